import type { ProviderMigration } from '../../src/provider/ProviderMigration.js';
import { createTablesMigration } from '../../src/provider/createTablesMigration.js';

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
