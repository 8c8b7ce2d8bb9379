import type BetterSqlite3 from 'better-sqlite3';
import { sqliteConnection } from './typeormDriverInternals.js';
import type { Database } from '../Database.js';
import { ProviderError } from '../../runtime/errors.js';
import type { SqlParam, SqlRunner, Statement, StatementResult, SyncTransaction } from './SqlRunner.js';
import { SqliteWriteQueue } from './SqliteWriteQueue.js';
import { isSqliteConstraint } from './errors.js';

/**
 * SqlClient on SQLite: the better-sqlite3 connection under TypeORM, used directly.
 *
 * TypeORM shares that single connection among all callers and awaits between BEGIN and COMMIT, so with
 * several tasks in flight another task's statements would run inside our transaction (or fail on a
 * nested BEGIN). Here a transaction runs synchronously from BEGIN to COMMIT, so nothing interleaves; BEGIN
 * IMMEDIATE takes the write lock up front so a transaction never fails half-way with SQLITE_BUSY_SNAPSHOT
 * when another process wrote meanwhile.
 *
 * Writes wait for the write lock on the event loop, not in SQLite's sleeping busy handler, and those that
 * queued meanwhile commit together: see SqliteWriteQueue. Single writes (`run`, a `query` with RETURNING)
 * outside a transaction take the same path.
 */
export class SqliteRunner implements SqlRunner {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private statementsOf?: BetterSqlite3.Database;

  constructor(private readonly db: Database) {}

  async query<R>(sql: string, params: readonly SqlParam[]): Promise<R[]> {
    const statement = this.prepare(sql);
    if (statement.readonly) return statement.all(bindable(params)) as R[];
    return this.write(() => statement.all(bindable(params)) as R[]);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- a read needs no lock; async turns a throw into the rejection the contract promises
  async queryArrays(sql: string, params: readonly SqlParam[]): Promise<unknown[][]> {
    return this.prepare(sql, true).all(bindable(params)) as unknown[][];
  }

  async run(sql: string, params: readonly SqlParam[]): Promise<number> {
    const statement = this.prepare(sql);
    return this.write(() => statement.run(bindable(params)).changes);
  }

  async transaction(statements: readonly Statement[]): Promise<StatementResult[]> {
    return this.write(() => this.execute(statements), { joinOpen: false });
  }

  /** Runs `work` in a transaction of its own: its reads and writes are synchronous, so nothing interleaves. */
  async synchronousTransaction<T>(work: (tx: SyncTransaction) => T): Promise<T> {
    const tx: SyncTransaction = {
      query: <R>(sql: string, params: readonly SqlParam[]) => this.prepare(sql).all(bindable(params)) as R[],
      execute: (statements) => this.execute(statements),
    };
    return this.write(() => work(tx), { joinOpen: false });
  }

  private execute(statements: readonly Statement[]): StatementResult[] {
    return statements.map((s) => {
      const params = bindable(s.params);
      if (s.sqliteFirst !== undefined) {
        try {
          return { rows: [], changes: this.prepare(s.sqliteFirst).run(params).changes };
        } catch (err) {
          // SQLite undid the failed statement alone (ABORT); the transaction goes on with `sql`.
          if (!isSqliteConstraint(err)) throw err;
        }
      }
      const statement = this.prepare(s.sql);
      if (statement.reader) {
        const rows = statement.all(params) as Record<string, unknown>[];
        return { rows, changes: rows.length };
      }
      return { rows: [], changes: statement.run(params).changes };
    });
  }

  /**
   * Runs `work` (synchronous) in a transaction of its own, committed, as SqliteWriteQueue takes it. Inside a
   * transaction someone else opened (a TypeORM migration calling a store) `work` joins it, as a plain
   * statement would, unless `joinOpen` is false: then the queue waits for that transaction to end, since
   * joining it would tie a transaction's writes to the fate of another's.
   */
  private async write<T>(work: () => T, options: { joinOpen: boolean } = { joinOpen: true }): Promise<T> {
    const connection = this.connection();
    if (connection.inTransaction && options.joinOpen) return work();
    return await SqliteWriteQueue.of(connection).write(work);
  }

  private prepare(sql: string, asArrays = false): BetterSqlite3.Statement {
    const connection = this.connection();
    if (this.statementsOf !== connection) {
      // Prepared statements belong to one connection; a reopened database starts a fresh cache.
      this.statements.clear();
      this.statementsOf = connection;
    }
    // `raw` is a mode of the prepared statement, so array-reading statements are cached apart.
    const key = asArrays ? `arrays:${sql}` : sql;
    let statement = this.statements.get(key);
    if (statement === undefined) {
      statement = connection.prepare(sql);
      if (asArrays) statement.raw(true);
      // Multi-row statements come in a few shapes (full chunks, one remainder per call): keep the recent ones.
      if (this.statements.size >= 100) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(key, statement);
    }
    return statement;
  }

  private connection(): BetterSqlite3.Database {
    const connection = sqliteConnection(this.db);
    if (connection === undefined || !connection.open) throw new ProviderError('the database is not open', { retryable: false });
    return connection;
  }
}

/** better-sqlite3 binds an array's elements to the `?`s (no argument spreading for 30,000 parameters);
 *  it binds numbers, strings, bigints and null, so booleans become 0/1 as in TypeORM, undefined NULL.
 *  Parameters that need none of that (a bulk insert's numbers) are bound as given, not copied. */
function bindable(params: readonly SqlParam[]): readonly unknown[] {
  let i = 0;
  for (; i < params.length; i++) {
    const p = params[i];
    if (p === undefined || typeof p === 'boolean' || Array.isArray(p)) break;
  }
  if (i === params.length) return params;
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (Array.isArray(p)) throw new TypeError(`parameter ${i + 1} is an array: array parameters are for PostgreSQL statements only`);
    out[i] = p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p;
  }
  return out;
}
