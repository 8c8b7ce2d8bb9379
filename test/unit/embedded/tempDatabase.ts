import { withBuiltInTables } from '../../fixtures/builtInMigrations.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type OpenDatabase as Database } from '../../../src/persistence/dataSource.js';
import { runMigrations } from '../../../src/persistence/migrate.js';

export interface TempDatabase {
  readonly db: Database;
  /** Closes the database and deletes its folder. */
  cleanup(): Promise<void>;
}

/** A migrated SQLite file of its own in a fresh temporary folder. */
export async function openTempDatabase(): Promise<TempDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'latigo-embedded-'));
  const db = await openDatabase({ url: 'sqlite:' + join(dir, 'test.sqlite'), busyTimeoutMs: 5000, logQueries: false }, withBuiltInTables);
  await runMigrations(db);
  return {
    db,
    async cleanup() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
