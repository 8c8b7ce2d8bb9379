import pg, { type PoolClient, type QueryArrayConfig, type QueryConfig, type QueryResult } from 'pg';
import type { Database } from '../Database.js';
import { quoteLiteral, toNumberedPlaceholders, withInlinedLiterals } from './placeholders.js';
import { obtainPostgresClient } from './typeormDriverInternals.js';
import type { SqlParam, SqlRunner, Statement, StatementResult } from './SqlRunner.js';

/**
 * SqlClient on PostgreSQL: each call checks a node-postgres client out of TypeORM's pool and sends its
 * statements on it. The client returns rows as arrays on request and `rowCount` for every command, where
 * TypeORM's `query` returns `[rows, count]` for UPDATE and DELETE.
 *
 * A transaction holds one pooled connection from BEGIN to COMMIT, so concurrent tasks of one process run
 * their transactions side by side on separate connections (the pool size bounds how many). A connection
 * that broke (the server restarted, the network dropped) is handed back with its error, so the pool
 * discards it and the next call opens a fresh one; TypeORM's QueryRunner cannot do that on release.
 * int8 columns arrive as numbers: the pool's type parser (src/persistence/postgres.ts) sees to it.
 */
export class PostgresRunner implements SqlRunner {
  constructor(private readonly db: Database) {}

  async query<R>(sql: string, params: readonly SqlParam[]): Promise<R[]> {
    return (await this.withClient((client) => client.query(objects(sql, params)))).rows as R[];
  }

  async queryArrays(sql: string, params: readonly SqlParam[]): Promise<unknown[][]> {
    return (await this.withClient((client) => client.query(arrays(sql, params)))).rows;
  }

  async run(sql: string, params: readonly SqlParam[]): Promise<number> {
    return (await this.withClient((client) => client.query(objects(sql, params)))).rowCount ?? 0;
  }

  async transaction(statements: readonly Statement[]): Promise<StatementResult[]> {
    // One round trip: BEGIN, the statements and COMMIT go as one simple-query message, the parameters
    // written in as literals. Sent one by one, each statement waited for this process's event loop to
    // read the answer before the next went out, and the locks a transaction takes (the outbox's append
    // lock above all, see EventOutbox) were held through every one of those waits.
    const text = ['BEGIN', ...statements.map((s) => withInlinedLiterals(s.sql, s.params.map(literal))), 'COMMIT'].join(';\n');
    return this.withClient(async (client, discard) => {
      try {
        // Several statements in one message: node-postgres resolves with one result per statement.
        const results = (await client.query(text)) as unknown as QueryResult<Record<string, unknown>>[];
        return results.slice(1, -1).map((result) => ({ rows: result.rows ?? [], changes: result.rowCount ?? 0 }));
      } catch (err) {
        // The first error is the one to report; the server skipped the rest of the message, COMMIT
        // included, and left the transaction aborted. A ROLLBACK that fails means the connection broke
        // (the server rolls back by itself); it must not go back to the pool in the middle of a transaction.
        await client.query('ROLLBACK').catch(discard);
        throw err;
      }
    });
  }

  /** Runs `work` on a pooled client; `discard(err)` (or an error that ends the session) keeps the client
   *  from going back to the pool. */
  private async withClient<T>(work: (client: PoolClient, discard: (err: unknown) => void) => Promise<T>): Promise<T> {
    const [client, release] = await obtainPostgresClient(this.db);
    let broken: unknown;
    const discard = (err: unknown) => {
      broken ??= err ?? new Error('connection discarded');
    };
    // A checked-out client emits 'error' when its connection fails between statements; unheard, it would crash the process.
    client.on('error', discard);
    try {
      return await work(client, discard);
    } catch (err) {
      if (endsConnection(err)) discard(err);
      throw err;
    } finally {
      client.removeListener('error', discard);
      release(broken);
    }
  }
}

/**
 * Whether the connection is unusable after `err`: anything but an error the server reported for one
 * statement (those carry a SQLSTATE and leave the session usable), and the SQLSTATEs that end the
 * session (57P01-57P03 shutdown, class 08 connection exceptions).
 */
function endsConnection(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith('08') || code.startsWith('57P');
}

function objects(sql: string, params: readonly SqlParam[]): QueryConfig {
  return { text: toNumberedPlaceholders(sql), values: params as unknown[] };
}

function arrays(sql: string, params: readonly SqlParam[]): QueryArrayConfig {
  return { text: toNumberedPlaceholders(sql), values: params as unknown[], rowMode: 'array' };
}

/**
 * A parameter as an SQL literal: the text node-postgres would bind for it (pg.utils.prepareValue: numbers
 * and booleans as their text, arrays as array literals), quoted, so the server types it as it types an
 * untyped parameter ('unknown', resolved by its context).
 */
function literal(value: SqlParam): string {
  const text = prepareValue(value);
  return text === null ? 'NULL' : quoteLiteral(text);
}

const prepareValue = (pg as unknown as { utils: { prepareValue: (value: unknown) => string | null } }).utils.prepareValue;
