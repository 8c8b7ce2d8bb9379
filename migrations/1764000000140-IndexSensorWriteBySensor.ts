import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The data triggers read their watermarks from the ingest tables (issue 16): which recorded writes of a
 * model's tags overlap a window is looked up per sensor and time, not by a scan of the whole write log.
 */
export class IndexSensorWriteBySensor1764000000140 implements MigrationInterface {
  name = 'IndexSensorWriteBySensor1764000000140';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('sensor_write', new TableIndex({ name: 'ix_sensor_write_sensor_to', columnNames: ['sensor', 'to_ms'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('sensor_write', 'ix_sensor_write_sensor_to');
  }
}
