/** A Uint8Array (a Buffer) is bound as a blob (SQLite) or bytea (PostgreSQL). */
export type SqlScalar = string | number | bigint | boolean | null | undefined | Uint8Array;
/** PostgreSQL only: bound as one array value (e.g. `unnest(?::bigint[])`), so a thousand rows cost five
 *  parameters instead of five thousand and the statement text stays the same for any row count. */
export type SqlArray = readonly (string | number | boolean | null)[];
export type SqlParam = SqlScalar | SqlArray;

export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlParam[];
  /**
   * SQLite only: a cheaper statement with the same parameters and the same effect whenever it succeeds,
   * tried first in the transaction (e.g. `sql` without its ON CONFLICT clause). When it fails on a
   * constraint SQLite undoes it alone, and `sql` runs instead. PostgreSQL runs `sql`.
   */
  readonly sqliteFirst?: string;
}

export interface StatementResult {
  /** Rows of a SELECT or of a write with RETURNING; [] otherwise. */
  readonly rows: Record<string, unknown>[];
  /** Rows inserted, updated or deleted (for a SELECT: rows read). */
  readonly changes: number;
}

/** What SqlClient does, once per dialect. SQL comes with `?` placeholders; see SqlClient for the promises. */
export interface SqlRunner {
  query<R>(sql: string, params: readonly SqlParam[]): Promise<R[]>;
  queryArrays(sql: string, params: readonly SqlParam[]): Promise<unknown[][]>;
  run(sql: string, params: readonly SqlParam[]): Promise<number>;
  transaction(statements: readonly Statement[]): Promise<StatementResult[]>;
}

/**
 * SQLite only: a transaction whose reads and writes all run synchronously while it holds the database's
 * write lock, so what it read cannot change before it writes (no version check, no second transaction).
 */
export interface SyncTransaction {
  /** Rows of one statement. */
  query<R>(sql: string, params: readonly SqlParam[]): R[];
  /** Runs `statements` in order, as `SqlRunner.transaction` would inside its transaction. */
  execute(statements: readonly Statement[]): StatementResult[];
}
