import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedProviderTables, sensorPointChunks, sensorPointWithoutRowid } from '../../providers/embedded/migrations.js';
import { openDatabase, type OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { EmbeddedSensorStore } from '../../providers/embedded/EmbeddedSensorStore.js';
import { silentLogger } from '../../src/runtime/logger.js';
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
  'sensor_chunk', // SQLite's points; PostgreSQL keeps sensor_point
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

/**
 * For a describe block: a fresh folder per test, and `open` of a SQLite store in it with the given provider
 * migrations (opened again with more of them, the same file is migrated forward).
 */
function sqliteStoreInTempFolder(): (providerMigrations: (typeof createEmbeddedProviderTables)[]) => Promise<Database> {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'latigo-migrations-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return (providerMigrations) =>
    openDatabase({ url: 'sqlite:' + join(dir, 'store.sqlite'), busyTimeoutMs: 5000, logQueries: false }, { providerMigrations });
}

describe('SensorPointWithoutRowid on a SQLite store that has points', () => {
  const open = sqliteStoreInTempFolder();
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

describe('SensorPointChunks on a SQLite store that has points', () => {
  const open = sqliteStoreInTempFolder();
  const pointTables = async (db: Database) => (await existingTables(db)).filter((t) => t === 'sensor_point' || t === 'sensor_chunk');
  /** Per sensor: count, first and last time, sums of times and values, gaps: equal only if every point survived. */
  const digest = (db: Database) =>
    db.dataSource.query<unknown[]>(
      'SELECT sensor_id, COUNT(*) AS n, MIN(time_ms) AS first, MAX(time_ms) AS last, SUM(time_ms) AS times, ' +
        'SUM(value) AS vals, SUM(value IS NULL) AS gaps FROM sensor_point GROUP BY sensor_id ORDER BY sensor_id',
    );
  const few = (db: Database) =>
    db.dataSource.query<unknown[]>('SELECT sensor_id, time_ms, value FROM sensor_point WHERE sensor_id > 1 ORDER BY sensor_id, time_ms');

  it('packs the points into chunks (more than a page of them), reads them through the store, and unpacks them on revert', async () => {
    const before = await open([createEmbeddedProviderTables, sensorPointWithoutRowid]);
    await runMigrations(before);
    await before.dataSource.query("INSERT INTO sensor (id, name, asset) VALUES (1, 'long', 'a'), (2, 'short', 'a'), (3, 'sparse', 'b')");
    // 250,001 points of sensor 1 (three pages of 100,000), every 7th a gap; a few of two more sensors,
    // one of them a day apart (the span limit).
    await before.dataSource.query(
      'WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 250000) ' +
        'INSERT INTO sensor_point (sensor_id, time_ms, value) SELECT 1, 1000 * n, CASE WHEN n % 7 = 3 THEN NULL ELSE n * 0.5 END FROM i',
    );
    await before.dataSource.query(
      'INSERT INTO sensor_point (sensor_id, time_ms, value) VALUES (2, 1000, 1.5), (2, 2000, NULL), (2, 3000, -3), (3, 0, 1), (3, 86400001, 2), (3, 200000000, 3)',
    );
    const stored = await digest(before);
    const storedFew = await few(before);
    await before.close();

    const after = await open([createEmbeddedProviderTables, sensorPointWithoutRowid, sensorPointChunks]);
    try {
      expect(await runMigrations(after)).to.deep.equal(['SensorPointChunks1764000000170']);
      expect(await pointTables(after)).to.deep.equal(['sensor_chunk']);
      const chunks = await after.dataSource.query<{ sensor_id: number; n: number; points: number }[]>(
        'SELECT sensor_id, COUNT(*) AS n, SUM(points) AS points FROM sensor_chunk GROUP BY sensor_id ORDER BY sensor_id',
      );
      expect(chunks).to.deep.equal([
        { sensor_id: 1, n: Math.ceil(250_001 / 256), points: 250_001 },
        { sensor_id: 2, n: 1, points: 3 },
        { sensor_id: 3, n: 3, points: 3 },
      ]);
      const store = new EmbeddedSensorStore(after, silentLogger);
      const frame = await store.getData(
        [
          { name: 'long', asset: 'a' },
          { name: 'sparse', asset: 'b' },
        ],
        { fromMs: 0, toMs: 250_001_000 },
        1_000,
      );
      expect(frame.quality).to.include({ rawPoints: 250_004, nonFinite: Math.ceil((250_001 - 3) / 7) });
      expect(frame.columns[0]![249_999]).to.equal(249_999 * 0.5);

      await after.dataSource.undoLastMigration({ transaction: 'all' });
      expect(await pointTables(after)).to.deep.equal(['sensor_point']);
      expect(await digest(after)).to.deep.equal(stored);
      expect(await few(after)).to.deep.equal(storedFew);
    } finally {
      await after.close();
    }
  });
});
