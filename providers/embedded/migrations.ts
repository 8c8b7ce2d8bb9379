import type { ProviderMigration } from '../../src/provider/ProviderMigration.js';
import { createTablesMigration } from '../../src/provider/createTablesMigration.js';
import { valuesList } from '../../src/persistence/sql/SqlClient.js';
import { CHUNK_MAX_POINTS, decodeChunk, toChunks, type Chunk } from './pointChunks.js';

/** The embedded stores' tables, under the name (and timestamp) the core applied them by before providers owned their migrations, so a database that ran it sees nothing new. The PCA model's model_revision and the demo's demo_fault, which it created too, moved to their owners (providers/pca, CreateDemoTables1764000000004). */
export const createEmbeddedProviderTables: ProviderMigration = createTablesMigration({
  name: 'CreateEmbeddedProviderTables1764000000001',
  tables: ['sensor', 'sensor_point', 'model_definition', 'prediction_series', 'prediction'],
  sqlite: [
    'CREATE TABLE IF NOT EXISTS "sensor" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar(1000) NOT NULL, "asset" varchar(400) NOT NULL, "unit" varchar(50), CONSTRAINT "UQ_af03be08b8d67ee90888f134fb9" UNIQUE ("name"))',
    'CREATE INDEX IF NOT EXISTS "ix_sensor_asset" ON "sensor" ("asset")',
    'CREATE TABLE IF NOT EXISTS "sensor_point" ("sensor_id" integer NOT NULL, "time_ms" bigint NOT NULL, "value" double precision, PRIMARY KEY ("sensor_id", "time_ms"))',
    'CREATE TABLE IF NOT EXISTS "model_definition" ("project" varchar(200) NOT NULL, "name" varchar(200) NOT NULL, "definition" text NOT NULL, "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, PRIMARY KEY ("project", "name"))',
    'CREATE TABLE IF NOT EXISTS "prediction_series" ("project" varchar(200) NOT NULL, "model" varchar(200) NOT NULL, "revision" varchar(200) NOT NULL, "tag_names" text NOT NULL, PRIMARY KEY ("project", "model", "revision"))',
    'CREATE TABLE IF NOT EXISTS "prediction" ("project" varchar(200) NOT NULL, "model" varchar(200) NOT NULL, "revision" varchar(200) NOT NULL, "time_ms" bigint NOT NULL, "total_anomaly" double precision, "threshold" double precision, "is_anomaly" boolean NOT NULL, "outputs" text NOT NULL, "contributions" text NOT NULL, "details" text, PRIMARY KEY ("project", "model", "revision", "time_ms"))',
    'CREATE INDEX IF NOT EXISTS "ix_prediction_anomaly_time" ON "prediction" ("time_ms") WHERE is_anomaly = TRUE',
  ],
  postgres: [
    'CREATE TABLE IF NOT EXISTS "sensor" ("id" SERIAL NOT NULL, "name" varchar(1000) NOT NULL, "asset" varchar(400) NOT NULL, "unit" varchar(50), CONSTRAINT "UQ_af03be08b8d67ee90888f134fb9" UNIQUE ("name"), CONSTRAINT "PK_ccc38b9aa8b3e198b6503d5eee9" PRIMARY KEY ("id"))',
    'CREATE INDEX IF NOT EXISTS "ix_sensor_asset" ON "sensor" ("asset")',
    'CREATE TABLE IF NOT EXISTS "sensor_point" ("sensor_id" integer NOT NULL, "time_ms" bigint NOT NULL, "value" double precision, CONSTRAINT "PK_a7e94d410e163d608cad0c88daa" PRIMARY KEY ("sensor_id", "time_ms"))',
    'CREATE TABLE IF NOT EXISTS "model_definition" ("project" varchar(200) NOT NULL, "name" varchar(200) NOT NULL, "definition" text NOT NULL, "created_at" bigint NOT NULL, "updated_at" bigint NOT NULL, CONSTRAINT "PK_db6893697721345ae317337f240" PRIMARY KEY ("project", "name"))',
    'CREATE TABLE IF NOT EXISTS "prediction_series" ("project" varchar(200) NOT NULL, "model" varchar(200) NOT NULL, "revision" varchar(200) NOT NULL, "tag_names" text NOT NULL, CONSTRAINT "PK_e799cac1e18f6152a7e6e5d6399" PRIMARY KEY ("project", "model", "revision"))',
    'CREATE TABLE IF NOT EXISTS "prediction" ("project" varchar(200) NOT NULL, "model" varchar(200) NOT NULL, "revision" varchar(200) NOT NULL, "time_ms" bigint NOT NULL, "total_anomaly" double precision, "threshold" double precision, "is_anomaly" boolean NOT NULL, "outputs" text NOT NULL, "contributions" text NOT NULL, "details" text, CONSTRAINT "PK_9bed3422380984ccddc31cdeb47" PRIMARY KEY ("project", "model", "revision", "time_ms"))',
    'CREATE INDEX IF NOT EXISTS "ix_prediction_anomaly_time" ON "prediction" ("time_ms") WHERE is_anomaly = TRUE',
  ],
});

/**
 * SQLite: `sensor_point` as a WITHOUT ROWID table (issue 16). With a rowid, every point went into two
 * B-trees, the table and the primary key's index; clustered on (sensor_id, time_ms) it goes into one, and
 * reads of a sensor's range come straight from it. About 1.4 times the insert rate on the ingest benchmark's
 * shape. The rows are copied into the new table inside the migration's transaction, so a large existing store
 * takes a while (and its size again on disk) once. PostgreSQL keeps its heap and index: nothing to do there.
 */
export const sensorPointWithoutRowid: ProviderMigration = {
  name: 'SensorPointWithoutRowid1764000000160',
  async up(sql) {
    if (sql.dialect !== 'sqlite') return;
    await sql.run(
      'CREATE TABLE "sensor_point_clustered" ("sensor_id" integer NOT NULL, "time_ms" bigint NOT NULL, "value" double precision, PRIMARY KEY ("sensor_id", "time_ms")) WITHOUT ROWID',
    );
    await sql.run(
      'INSERT INTO "sensor_point_clustered" ("sensor_id", "time_ms", "value") SELECT "sensor_id", "time_ms", "value" FROM "sensor_point"',
    );
    await sql.run('DROP TABLE "sensor_point"');
    await sql.run('ALTER TABLE "sensor_point_clustered" RENAME TO "sensor_point"');
  },
  async down(sql) {
    if (sql.dialect !== 'sqlite') return;
    await sql.run(
      'CREATE TABLE "sensor_point_rowid" ("sensor_id" integer NOT NULL, "time_ms" bigint NOT NULL, "value" double precision, PRIMARY KEY ("sensor_id", "time_ms"))',
    );
    await sql.run(
      'INSERT INTO "sensor_point_rowid" ("sensor_id", "time_ms", "value") SELECT "sensor_id", "time_ms", "value" FROM "sensor_point"',
    );
    await sql.run('DROP TABLE "sensor_point"');
    await sql.run('ALTER TABLE "sensor_point_rowid" RENAME TO "sensor_point"');
  },
};

/** Stored points read per query while packing or unpacking. */
const MIGRATION_PAGE_POINTS = 100_000;
/** Chunks per INSERT while packing: six parameters each. */
const MIGRATION_CHUNKS_PER_STATEMENT = 500;
/** Points per INSERT while unpacking: three parameters each. */
const MIGRATION_POINTS_PER_STATEMENT = 1_000;

/**
 * SQLite: points packed into `sensor_chunk` (issue 16), up to 256 of a sensor a row, times and values in two
 * blobs (pointChunks.ts). A row a point cost SQLite's per-row work on every point; a row per sensor per write
 * took the ingest benchmark past influxd. `up` packs the existing points, read in pages in (sensor, time)
 * order, and drops `sensor_point`; `down` unpacks them into the WITHOUT ROWID table again. Both run in the
 * migration's transaction, so a large store takes a while once. PostgreSQL keeps `sensor_point`.
 */
export const sensorPointChunks: ProviderMigration = {
  name: 'SensorPointChunks1764000000170',
  async up(sql) {
    if (sql.dialect !== 'sqlite') return;
    await sql.run(
      'CREATE TABLE "sensor_chunk" ("sensor_id" integer NOT NULL, "start_ms" bigint NOT NULL, "end_ms" bigint NOT NULL, "points" integer NOT NULL, "times" blob NOT NULL, "vals" blob NOT NULL, PRIMARY KEY ("sensor_id", "start_ms"))',
    );
    let pending: { sensorId: number; chunk: Chunk }[] = [];
    const flush = async (all: boolean) => {
      while (pending.length >= MIGRATION_CHUNKS_PER_STATEMENT || (all && pending.length > 0)) {
        const rows = pending.slice(0, MIGRATION_CHUNKS_PER_STATEMENT);
        pending = pending.slice(rows.length);
        await sql.run(
          `INSERT INTO "sensor_chunk" ("sensor_id", "start_ms", "end_ms", "points", "times", "vals") VALUES ${valuesList(rows.length, 6)}`,
          rows.flatMap(({ sensorId, chunk: c }) => [sensorId, c.startMs, c.endMs, c.points, c.times, c.vals]),
        );
      }
    };
    // The current sensor's points not packed yet: its last, possibly partial chunk waits for more.
    let sensorId: number | undefined;
    let times: number[] = [];
    let values: number[] = [];
    const pack = (keepLast: boolean) => {
      const chunks = toChunks({ timesMs: times, values });
      const kept = keepLast ? chunks.pop() : undefined;
      for (const chunk of chunks) pending.push({ sensorId: sensorId!, chunk });
      const from = kept === undefined ? times.length : times.length - kept.points;
      times = times.slice(from);
      values = values.slice(from);
    };
    let after: [number, number] = [-Infinity, -Infinity];
    for (;;) {
      const page = await sql.query<{ sensor_id: number; time_ms: number; value: number | null }>(
        'SELECT "sensor_id", "time_ms", "value" FROM "sensor_point" WHERE ("sensor_id", "time_ms") > (?, ?) ORDER BY "sensor_id", "time_ms" LIMIT ?',
        [...after, MIGRATION_PAGE_POINTS],
      );
      for (const row of page) {
        if (row.sensor_id !== sensorId) {
          if (sensorId !== undefined) pack(false);
          sensorId = row.sensor_id;
        }
        times.push(Number(row.time_ms));
        values.push(row.value ?? NaN);
      }
      if (page.length < MIGRATION_PAGE_POINTS) break;
      const last = page[page.length - 1]!;
      after = [last.sensor_id, Number(last.time_ms)];
      if (times.length > 0) pack(true);
      await flush(false);
    }
    if (sensorId !== undefined) pack(false);
    await flush(true);
    await sql.run('DROP TABLE "sensor_point"');
  },
  async down(sql) {
    if (sql.dialect !== 'sqlite') return;
    await sql.run(
      'CREATE TABLE "sensor_point" ("sensor_id" integer NOT NULL, "time_ms" bigint NOT NULL, "value" double precision, PRIMARY KEY ("sensor_id", "time_ms")) WITHOUT ROWID',
    );
    const chunksPerPage = Math.floor(MIGRATION_PAGE_POINTS / CHUNK_MAX_POINTS);
    let rows: (number | null)[] = [];
    const flush = async (all: boolean) => {
      const width = 3 * MIGRATION_POINTS_PER_STATEMENT;
      while (rows.length >= width || (all && rows.length > 0)) {
        const part = rows.slice(0, width);
        rows = rows.slice(part.length);
        await sql.run(`INSERT INTO "sensor_point" ("sensor_id", "time_ms", "value") VALUES ${valuesList(part.length / 3, 3)}`, part);
      }
    };
    let after: [number, number] = [-Infinity, -Infinity];
    for (;;) {
      const page = await sql.query<{ sensor_id: number; start_ms: number; points: number; times: Uint8Array; vals: Uint8Array }>(
        'SELECT "sensor_id", "start_ms", "points", "times", "vals" FROM "sensor_chunk" WHERE ("sensor_id", "start_ms") > (?, ?) ORDER BY "sensor_id", "start_ms" LIMIT ?',
        [...after, chunksPerPage],
      );
      for (const row of page) {
        const { timesMs, values } = decodeChunk(Number(row.start_ms), row.points, row.times, row.vals);
        for (let i = 0; i < timesMs.length; i++) rows.push(row.sensor_id, timesMs[i]!, Number.isNaN(values[i]!) ? null : values[i]!);
      }
      await flush(false);
      if (page.length < chunksPerPage) break;
      const last = page[page.length - 1]!;
      after = [last.sensor_id, Number(last.start_ms)];
    }
    await flush(true);
    await sql.run('DROP TABLE "sensor_chunk"');
  },
};
