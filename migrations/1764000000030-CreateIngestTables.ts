import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Ingest and import (issue 16). In the core, not in a provider: they are written after any SensorWriter
 * (embedded store or InfluxDB) has committed points, and read by the scheduler's data triggers.
 * - `sensor_watermark`: per sensor, the latest point time written and how many points were written.
 * - `sensor_write`: one row per sensor and committed write (time range, points), with an increasing id,
 *   so a reader that keeps the last id it saw misses no write (late data included).
 * - `import_progress`: how far `latigo import` got in each file, so the same command resumes.
 */
export class CreateIngestTables1764000000030 implements MigrationInterface {
  name = 'CreateIngestTables1764000000030';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'sensor_watermark',
        columns: [
          // 1000 characters: the same limit as sensor.name.
          { name: 'sensor', type: 'varchar', length: '1000', isPrimary: true },
          { name: 'latest_ms', type: 'bigint' },
          { name: 'earliest_ms', type: 'bigint' },
          { name: 'points', type: 'bigint', default: 0 },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'sensor_write',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'sensor', type: 'varchar', length: '1000' },
          { name: 'from_ms', type: 'bigint' },
          { name: 'to_ms', type: 'bigint' },
          { name: 'points', type: 'bigint' },
          { name: 'written_at', type: 'bigint' },
        ],
        indices: [{ name: 'ix_sensor_write_written_at', columnNames: ['written_at'] }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'import_progress',
        columns: [
          // sha256 of the file's absolute path, size and modification time: a changed file starts over.
          { name: 'file_key', type: 'varchar', length: '64', isPrimary: true },
          { name: 'path', type: 'text' },
          { name: 'bytes_total', type: 'bigint' },
          // Where the next run starts: a byte offset (CSV, line protocol) or a row (Parquet) whose
          // points and everything before them are written.
          { name: 'resume_offset', type: 'bigint', default: 0 },
          { name: 'resume_row', type: 'bigint', default: 0 },
          { name: 'points', type: 'bigint', default: 0 },
          { name: 'rejected', type: 'bigint', default: 0 },
          // JSON: the header and options the resumed part must be read with.
          { name: 'state', type: 'text', isNullable: true },
          { name: 'finished', type: 'boolean', default: false },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('import_progress');
    await q.dropTable('sensor_write');
    await q.dropTable('sensor_watermark');
  }
}
