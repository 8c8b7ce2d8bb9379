import type { PoolClient, QueryArrayConfig, QueryConfig, QueryResult } from 'pg';
import type { Database } from '../Database.js';
import { toNumberedPlaceholders } from './placeholders.js';
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
    return this.withClient(async (client, discard) => {
      await client.query('BEGIN');
      try {
        const results: StatementResult[] = [];
        for (const s of statements) {
          const result: QueryResult<Record<string, unknown>> = await client.query<Record<string, unknown>>(objects(s.sql, s.params));
          results.push({ rows: result.rows ?? [], changes: result.rowCount ?? 0 });
        }
        await client.query('COMMIT');
        return results;
      } catch (err) {
        // The first error is the one to report. A ROLLBACK that fails means the connection broke (the
        // server rolls back by itself); it must not go back to the pool in the middle of a transaction.
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
