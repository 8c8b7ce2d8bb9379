import { withBuiltInTables } from '../../fixtures/builtInMigrations.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type OpenDatabase as Database } from '../../../src/persistence/dataSource.js';
import { runMigrations } from '../../../src/persistence/migrate.js';

export interface LedgerDatabase {
  readonly db: Database;
  /** Another connection to the same file, as a second process (a restarted scheduler) would have. */
  reopen(): Promise<Database>;
  /** Closes every connection and deletes the folder. */
  cleanup(): Promise<void>;
}

/** A migrated SQLite file of its own in a fresh temporary folder. */
export async function openLedgerDatabase(): Promise<LedgerDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'latigo-ledger-'));
  const config = { url: 'sqlite:' + join(dir, 'ledger.sqlite'), busyTimeoutMs: 5000, logQueries: false };
  const db = await openDatabase(config, withBuiltInTables);
  await runMigrations(db);
  const opened: Database[] = [db];
  return {
    db,
    async reopen() {
      const another = await openDatabase(config, withBuiltInTables);
      opened.push(another);
      return another;
    },
    async cleanup() {
      for (const d of opened) await d.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
