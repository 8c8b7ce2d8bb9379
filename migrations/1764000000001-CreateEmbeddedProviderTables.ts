import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** What the embedded providers keep: sensors and their points, the model registry, predictions, demo faults. */
export class CreateEmbeddedProviderTables1764000000001 implements MigrationInterface {
  name = 'CreateEmbeddedProviderTables1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'sensor',
      columns: [
        { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        { name: 'name', type: 'varchar', length: '1000', isUnique: true },
        { name: 'asset', type: 'varchar', length: '400' },
        { name: 'unit', type: 'varchar', length: '50', isNullable: true },
      ],
      indices: [{ name: 'ix_sensor_asset', columnNames: ['asset'] }],
    }));
    // Range reads are "one sensor, a time interval": the primary key (sensor_id, time_ms) serves them.
    await q.createTable(new Table({
      name: 'sensor_point',
      columns: [
        { name: 'sensor_id', type: 'integer', isPrimary: true },
        { name: 'time_ms', type: 'bigint', isPrimary: true },
        { name: 'value', type: 'double precision', isNullable: true },
      ],
    }));
    await q.createTable(new Table({
      name: 'model_definition',
      columns: [
        { name: 'project', type: 'varchar', length: '200', isPrimary: true },
        { name: 'name', type: 'varchar', length: '200', isPrimary: true },
        { name: 'definition', type: 'text' },
        { name: 'created_at', type: 'bigint' },
        { name: 'updated_at', type: 'bigint' },
      ],
    }));
    await q.createTable(new Table({
      name: 'model_revision',
      columns: [
        { name: 'project', type: 'varchar', length: '200', isPrimary: true },
        { name: 'name', type: 'varchar', length: '200', isPrimary: true },
        { name: 'revision', type: 'varchar', length: '200', isPrimary: true },
        { name: 'parameters', type: 'text' },
        { name: 'trained_at', type: 'bigint' },
        { name: 'training_ms', type: 'integer' },
      ],
    }));
    await q.createTable(new Table({
      name: 'prediction_series',
      columns: [
        { name: 'project', type: 'varchar', length: '200', isPrimary: true },
        { name: 'model', type: 'varchar', length: '200', isPrimary: true },
        { name: 'revision', type: 'varchar', length: '200', isPrimary: true },
        { name: 'tag_names', type: 'text' },
      ],
    }));
    // One wide row per model and timestamp (ARCHITECTURE: keeps 9,000 models per cycle affordable);
    // per-tag arrays are JSON aligned with prediction_series.tag_names.
    await q.createTable(new Table({
      name: 'prediction',
      columns: [
        { name: 'project', type: 'varchar', length: '200', isPrimary: true },
        { name: 'model', type: 'varchar', length: '200', isPrimary: true },
        { name: 'revision', type: 'varchar', length: '200', isPrimary: true },
        { name: 'time_ms', type: 'bigint', isPrimary: true },
        { name: 'total_anomaly', type: 'double precision', isNullable: true },
        { name: 'threshold', type: 'double precision', isNullable: true },
        { name: 'is_anomaly', type: 'boolean' },
        { name: 'outputs', type: 'text' },
        { name: 'contributions', type: 'text' },
        { name: 'details', type: 'text', isNullable: true },
      ],
      // Partial: only anomalous rows are indexed. A full (is_anomaly, time_ms) index would be touched at
      // ~180 scattered pages per stored window, since every model writes the same timestamps.
      indices: [{ name: 'ix_prediction_anomaly_time', columnNames: ['time_ms'], where: 'is_anomaly = TRUE' }],
    }));
    await q.createTable(new Table({
      name: 'demo_fault',
      columns: [
        { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        { name: 'asset', type: 'varchar', length: '400' },
        { name: 'sensor', type: 'varchar', length: '1000' },
        { name: 'kind', type: 'varchar', length: '20' },
        { name: 'from_ms', type: 'bigint' },
        { name: 'to_ms', type: 'bigint' },
        { name: 'magnitude', type: 'double precision' },
      ],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['demo_fault', 'prediction', 'prediction_series', 'model_revision', 'model_definition', 'sensor_point', 'sensor']) {
      await q.dropTable(table);
    }
  }
}
