import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { openDatabase, type OpenDatabase } from '../../src/persistence/dataSource.js';
import { migrationStatus, runMigrations } from '../../src/persistence/migrate.js';
import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { migrations as previousRelease } from '../fixtures/release-before-provider-migrations/index.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './helpers/postgres.js';

/** One row in a table of each owner: the core, the database queue, the embedded stores, the PCA model, the demo, Event Hubs. */
const rows: Record<string, { columns: string[]; values: unknown[] }> = {
  prediction_window: {
    columns: ['task_id', 'project', 'model', 'revision', 'from_ms', 'to_ms', 'state', 'origin', 'created_at'],
    values: ['t1', 'p', 'm', 'r1', 0, 60_000, 'succeeded', 'scheduled', 1],
  },
  queue_message: { columns: ['id', 'body', 'created_at', 'visible_at'], values: ['q1', '{"task":1}', 1, 2] },
  sensor: { columns: ['name', 'asset', 'unit'], values: ['pump-01.flow', 'pump-01', 'm3/h'] },
  model_definition: { columns: ['project', 'name', 'definition', 'created_at', 'updated_at'], values: ['p', 'm', '{}', 1, 2] },
  model_revision: {
    columns: ['project', 'name', 'revision', 'parameters', 'trained_at', 'training_ms'],
    values: ['p', 'm', 'r1', '{"components":2}', 3, 4],
  },
  demo_fault: {
    columns: ['asset', 'sensor', 'kind', 'from_ms', 'to_ms', 'magnitude'],
    values: ['pump-01', 'pump-01.flow', 'drift', 10, 20, 1.5],
  },
  eventhub_checkpoint: {
    columns: [
      'fully_qualified_namespace',
      'event_hub_name',
      'consumer_group',
      'partition_id',
      'sequence_number',
      'event_offset',
      'updated_ms',
    ],
    values: ['ns', 'hub', '$Default', '0', 42, '4200', 5],
  },
};

/** A database as the release before provider-owned migrations left it: its migrations run, one row per owner. */
async function createPreviousReleaseDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'all' });
    const postgres = dataSource.options.type === 'postgres';
    for (const [table, { columns, values }] of Object.entries(rows)) {
      const placeholders = values.map((_, i) => (postgres ? `$${i + 1}` : '?')).join(', ');
      await dataSource.query(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${placeholders})`, values);
    }
  } finally {
    await dataSource.destroy();
  }
}

async function expectRowsIntact(db: OpenDatabase): Promise<void> {
  for (const [table, { columns, values }] of Object.entries(rows)) {
    const found = await db.dataSource.query<Record<string, unknown>[]>(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}"`);
    expect(found, table).to.have.length(1);
    // PostgreSQL returns bigint columns as strings; compare as the text both dialects agree on.
    expect(
      columns.map((c) => String(found[0]![c])),
      table,
    ).to.deep.equal(values.map(String));
  }
}

/** Applies the new migration set (core + every built-in provider's) and checks the upgrade. */
async function migrateForward(db: OpenDatabase): Promise<void> {
  const before = await migrationStatus(db);
  const pending = before.filter((m) => !m.applied).map((m) => m.name);
  // The moved migrations keep their names, so the previous release's record covers them; only the new
  // table owners' migrations are pending, and they find their tables already there.
  const newOwners = ['CreateQueueTables1764000000002', 'CreatePcaTables1764000000003', 'CreateDemoTables1764000000004'];
  expect(pending).to.include.members(newOwners);
  // Besides them, only the migrations of later releases (newer than the last one that release applied).
  const later = pending.filter((name) => !newOwners.includes(name));
  expect(later.filter((name) => Number(name.slice(-13)) <= 1764000000014)).to.deep.equal([]);
  expect(before.filter((m) => m.applied).map((m) => m.name)).to.include.members([
    'CreateEmbeddedProviderTables1764000000001',
    'CreateEventHubTables1764000000005',
  ]);
  expect(await runMigrations(db)).to.have.members(pending);
  expect((await migrationStatus(db)).every((m) => m.applied)).to.equal(true);
  expect(await runMigrations(db)).to.deep.equal([]);
  await expectRowsIntact(db);
}

describe('migrating forward from the release before provider-owned migrations', () => {
  describe('on SQLite', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'latigo-forward-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('applies only the new owners’ migrations, loses no row and ends with the schema a fresh database gets', async () => {
      const path = join(dir, 'previous.sqlite');
      await createPreviousReleaseDatabase(new DataSource({ type: 'better-sqlite3', database: path, migrations: previousRelease }));
      const db = await openDatabase({ url: `sqlite:${path}`, busyTimeoutMs: 5_000, logQueries: false }, withBuiltInTables);
      const fresh = await openDatabase(
        { url: `sqlite:${join(dir, 'fresh.sqlite')}`, busyTimeoutMs: 5_000, logQueries: false },
        withBuiltInTables,
      );
      try {
        await migrateForward(db);
        await runMigrations(fresh);
        expect(await sqliteSchema(db)).to.deep.equal(await sqliteSchema(fresh));
      } finally {
        await db.close();
        await fresh.close();
      }
    });
  });

  describe('on PostgreSQL', () => {
    let previous: ThrowawayDatabase;
    let freshDb: ThrowawayDatabase;
    before(async function () {
      this.timeout(180_000);
      previous = await createThrowawayDatabase();
      freshDb = await createThrowawayDatabase();
    });
    after(async function () {
      this.timeout(180_000);
      await previous.drop();
      await freshDb.drop();
    });

    it('applies only the new owners’ migrations, loses no row and ends with the schema a fresh database gets', async () => {
      await createPreviousReleaseDatabase(new DataSource({ type: 'postgres', url: previous.url, migrations: previousRelease }));
      const db = await openDatabase({ url: previous.url, busyTimeoutMs: 5_000, logQueries: false }, withBuiltInTables);
      const fresh = await openDatabase({ url: freshDb.url, busyTimeoutMs: 5_000, logQueries: false }, withBuiltInTables);
      try {
        await migrateForward(db);
        await runMigrations(fresh);
        expect(await postgresSchema(db)).to.deep.equal(await postgresSchema(fresh));
      } finally {
        await db.close();
        await fresh.close();
      }
    });
  });
});

/** Every table's columns (name, type, nullability, default, key) and every index, as SQLite describes them. */
async function sqliteSchema(db: OpenDatabase): Promise<unknown> {
  const tables = await db.dataSource.query<{ name: string }[]>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'migrations' ORDER BY name",
  );
  const schema: Record<string, unknown> = {};
  for (const { name } of tables) {
    schema[name] = {
      columns: await db.dataSource.query<Record<string, unknown>[]>(`PRAGMA table_info("${name}")`),
      // SQLite keeps each statement's text as written: spacing is not schema.
      indexes: (
        await db.dataSource.query<{ name: string; sql: string | null }[]>(
          `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`,
          [name],
        )
      ).map((index) => ({ name: index.name, sql: index.sql?.replace(/\s+/g, ' ').trim() ?? null })),
    };
  }
  return schema;
}

/** Every column and index of the current schema, as PostgreSQL's catalogue describes them. */
async function postgresSchema(db: OpenDatabase): Promise<unknown> {
  return {
    columns: await db.dataSource.query<Record<string, unknown>[]>(
      `SELECT table_name, column_name, data_type, character_maximum_length, is_nullable,
              regexp_replace(column_default, 'nextval\\(''[^'']+''', 'nextval(') AS column_default
         FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name <> 'migrations'
        ORDER BY table_name, column_name`,
    ),
    indexes: await db.dataSource.query<Record<string, unknown>[]>(
      "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> 'migrations' ORDER BY tablename, indexname",
    ),
  };
}
