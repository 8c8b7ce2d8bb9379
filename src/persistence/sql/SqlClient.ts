import type { Database } from '../Database.js';
import { PostgresRunner } from './PostgresRunner.js';
import { SqliteRunner } from './SqliteRunner.js';
import { toProviderError } from './errors.js';
import type { SqlParam, SqlRunner, Statement, StatementResult, SyncTransaction } from './SqlRunner.js';

export type { SqlParam, Statement, StatementResult, SyncTransaction } from './SqlRunner.js';

/** SQLite refuses statements with more than 32766 bound parameters (PostgreSQL 65535); multi-row statements stay below. */
export const MAX_PARAMS_PER_STATEMENT = 32_000;

/** Rows per multi-row statement for rows of `paramsPerRow` parameters. */
export function rowsPerStatement(paramsPerRow: number): number {
  return Math.floor(MAX_PARAMS_PER_STATEMENT / paramsPerRow);
}

const placeholderCache = new Map<string, string>();

/** `(?, ?), (?, ?)` for `rows` rows of `width` parameters; remembered, as the same shapes recur. */
export function valuesList(rows: number, width: number): string {
  const key = `${rows}x${width}`;
  let text = placeholderCache.get(key);
  if (text === undefined) {
    text = new Array<string>(rows).fill(`(${new Array<string>(width).fill('?').join(', ')})`).join(', ');
    if (placeholderCache.size >= 64) placeholderCache.delete(placeholderCache.keys().next().value!);
    placeholderCache.set(key, text);
  }
  return text;
}

/** `?, ?, ?` for an IN list of `count` values. */
export function inList(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

/**
 * Runs the embedded providers' SQL on the process's database: the one place that knows how, on SQLite
 * (SqliteRunner) and PostgreSQL (PostgresRunner). The SQL is written once, portable, with `?`
 * placeholders (numbered for PostgreSQL: see placeholders.ts): `INSERT ... ON CONFLICT ... DO UPDATE SET
 * x = excluded.x`, `RETURNING`, TRUE/FALSE. Values come back alike on both: int8 as numbers; booleans
 * are 0/1 on SQLite but true/false on PostgreSQL, so callers compare them with `Boolean()`.
 */
export class SqlClient {
  private readonly runner: SqlRunner;
  /** The SQLite runner, for synchronous transactions; undefined on PostgreSQL. */
  private readonly sqlite?: SqliteRunner;

  /**
   * With `operation` (e.g. 'ledger'), driver errors are translated into ProviderErrors named after it
   * (retryable for lock contention and lost connections); without, callers translate them themselves.
   */
  constructor(
    db: Database,
    private readonly operation?: string,
  ) {
    if (db.dialect === 'postgres') this.runner = new PostgresRunner(db);
    else this.runner = this.sqlite = new SqliteRunner(db);
  }

  /** Rows of one statement (a SELECT, or a write with RETURNING). */
  query<R>(sql: string, params: readonly SqlParam[]): Promise<R[]> {
    return this.translated(this.runner.query<R>(sql, params));
  }

  /** Rows of one statement as arrays of column values in SELECT order: no object per row, for hot reads. */
  queryArrays(sql: string, params: readonly SqlParam[]): Promise<unknown[][]> {
    return this.translated(this.runner.queryArrays(sql, params));
  }

  /** Runs one write; resolves with the number of rows it changed. */
  run(sql: string, params: readonly SqlParam[]): Promise<number> {
    return this.translated(this.runner.run(sql, params));
  }

  /** Runs `statements` in one transaction, in order: all take effect or none does. */
  transaction(statements: readonly Statement[]): Promise<StatementResult[]> {
    return this.translated(this.runner.transaction(statements));
  }

  /** Whether `synchronousTransaction` is available (SQLite). */
  get synchronous(): boolean {
    return this.sqlite !== undefined;
  }

  /**
   * SQLite only (see `synchronous`): runs `work` in one transaction that holds the write lock from its
   * first read to its commit, so a read-compute-write needs neither a version check nor a second
   * transaction. `work` must not await: it runs to its end before anything else touches the connection.
   */
  synchronousTransaction<T>(work: (tx: SyncTransaction) => T): Promise<T> {
    if (this.sqlite === undefined) return Promise.reject(new TypeError('synchronous transactions are for SQLite only'));
    return this.translated(this.sqlite.synchronousTransaction(work));
  }

  private translated<T>(result: Promise<T>): Promise<T> {
    const operation = this.operation;
    return operation === undefined
      ? result
      : result.catch((err: unknown) => {
          throw toProviderError(err, operation);
        });
  }
}
