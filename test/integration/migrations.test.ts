import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedProviderTables, sensorPointWithoutRowid } from '../../providers/embedded/migrations.js';
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

describe('SensorPointWithoutRowid on a SQLite store that has points', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'latigo-migrations-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (providerMigrations: (typeof createEmbeddedProviderTables)[]) =>
    openDatabase({ url: 'sqlite:' + join(dir, 'store.sqlite'), busyTimeoutMs: 5000, logQueries: false }, { providerMigrations });
  const tableSql = async (db: Database) =>
    (await db.dataSource.query<{ sql: string }[]>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sensor_point'"))[0]!.sql;
  const points = (db: Database) =>
    db.dataSource.query<unknown[]>('SELECT sensor_id, time_ms, value FROM sensor_point ORDER BY sensor_id, time_ms');

  it('moves the points into a WITHOUT ROWID table and back on revert, keeping every one', async () => {
    const before = await open([createEmbeddedProviderTables]);
    await runMigrations(before);
    await before.dataSource.query(
      'INSERT INTO sensor_point (sensor_id, time_ms, value) VALUES (1, 1000, 1.5), (1, 2000, NULL), (2, 1000, -3)',
    );
    const stored = await points(before);
    expect(await tableSql(before)).not.to.include('WITHOUT ROWID');
    await before.close();

    const after = await open([createEmbeddedProviderTables, sensorPointWithoutRowid]);
    try {
      expect(await runMigrations(after)).to.deep.equal(['SensorPointWithoutRowid1764000000160']);
      expect(await tableSql(after)).to.include('WITHOUT ROWID');
      expect(await points(after)).to.deep.equal(stored);
      // The primary key still refuses a second point at the same time.
      const duplicate = await after.dataSource.query('INSERT INTO sensor_point (sensor_id, time_ms, value) VALUES (1, 1000, 9)').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(String(duplicate)).to.match(/UNIQUE constraint failed/);

      await after.dataSource.undoLastMigration({ transaction: 'all' });
      expect(await tableSql(after)).not.to.include('WITHOUT ROWID');
      expect(await points(after)).to.deep.equal(stored);
    } finally {
      await after.close();
    }
  });
});
