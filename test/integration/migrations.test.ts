import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { migrationStatus, revertAllMigrations, runMigrations } from '../../src/persistence/migrate.js';

const tables = [
  'run',
  'backfill_job',
  'process',
  'prediction_window',
  'task_run',
  'queue_message',
  'scheduler_state',
  'sensor',
  'sensor_point',
  'model_definition',
  'model_revision',
  'prediction_series',
  'prediction',
  'demo_fault',
];

async function existingTables(db: Database): Promise<string[]> {
  const rows = await db.dataSource.query<{ name: string }[]>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
  );
  return rows.map((r) => r.name).sort();
}

describe('migrations on a fresh SQLite file', () => {
  let dir: string;
  let db: Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latigo-migrations-'));
    db = await openDatabase({ url: 'sqlite:' + join(dir, 'fresh.sqlite'), busyTimeoutMs: 5000, logQueries: false }, withBuiltInTables);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates every table going up and removes them all going down, and can go up again', async () => {
    expect(await existingTables(db)).to.deep.equal([]);

    const applied = await runMigrations(db);
    expect(applied).to.have.length(db.dataSource.migrations.length);
    expect(await existingTables(db)).to.include.members(tables);
    expect((await migrationStatus(db)).every((m) => m.applied)).to.equal(true);

    expect(await revertAllMigrations(db)).to.equal(db.dataSource.migrations.length);
    // Only TypeORM's own bookkeeping table remains.
    expect(await existingTables(db)).to.deep.equal(['migrations']);
    expect((await migrationStatus(db)).some((m) => m.applied)).to.equal(false);

    await runMigrations(db);
    expect(await existingTables(db)).to.include.members(tables);
  });

  it('applies nothing the second time', async () => {
    await runMigrations(db);
    expect(await runMigrations(db)).to.deep.equal([]);
  });
});
