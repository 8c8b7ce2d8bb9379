import BetterSqlite3 from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';

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
    return Object.fromEntries(this.all<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM prediction_window GROUP BY state').map((r) => [r.state, r.n]));
  }

  close(): void {
    this.db.close();
  }
}

/** Polls `condition` until it holds; fails with `describe()` when `timeoutMs` passes first. */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: { timeoutMs: number; intervalMs?: number; describe: () => string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.describe()}`);
    await sleep(options.intervalMs ?? 50);
  }
}
