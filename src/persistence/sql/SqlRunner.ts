export type SqlParam = string | number | bigint | boolean | null | undefined;

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
