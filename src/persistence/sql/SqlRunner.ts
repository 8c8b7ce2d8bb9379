export type SqlScalar = string | number | bigint | boolean | null | undefined;
/** PostgreSQL only: bound as one array value (e.g. `unnest(?::bigint[])`), so a thousand rows cost five
 *  parameters instead of five thousand and the statement text stays the same for any row count. */
export type SqlArray = readonly (string | number | boolean | null)[];
export type SqlParam = SqlScalar | SqlArray;

export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlParam[];
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
