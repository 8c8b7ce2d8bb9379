import BetterSqlite3 from 'better-sqlite3';

/**
 * A read-only view of a workspace database for assertions and polling, beside the processes that write
 * it (WAL lets this reader run next to their writes).
 */
export class DatabaseReader {
  private readonly db: BetterSqlite3.Database;

  constructor(path: string) {
    this.db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.db.prepare(sql).all(...params) as T[];
  }

  count(sql: string, ...params: unknown[]): number {
    const row = this.db.prepare(sql).get(...params) as Record<string, number> | undefined;
    return row === undefined ? 0 : Number(Object.values(row)[0]);
  }

  /** Windows of the ledger by state. */
  windowStates(): Record<string, number> {
    return Object.fromEntries(
      this.all<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM prediction_window GROUP BY state').map((r) => [
        r.state,
        r.n,
      ]),
    );
  }

  close(): void {
    this.db.close();
  }
}

/** The shared wait helper (see wait.ts); re-exported here, where the tests found it first. */
export { waitFor } from './wait.js';
