import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The service's own state: the window ledger, task runs and scheduler state.
 * Written with TypeORM's Table API so the same migration runs on SQLite and PostgreSQL.
 * Times are epoch milliseconds (bigint): the core is UTC and millisecond-precise (invariant 4).
 */
export class CreateCoreTables1764000000000 implements MigrationInterface {
  name = 'CreateCoreTables1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'prediction_window',
        columns: [
          { name: 'task_id', type: 'varchar', length: '32', isPrimary: true },
          { name: 'project', type: 'varchar', length: '200' },
          { name: 'model', type: 'varchar', length: '200' },
          { name: 'revision', type: 'varchar', length: '200' },
          { name: 'from_ms', type: 'bigint' },
          { name: 'to_ms', type: 'bigint' },
          { name: 'state', type: 'varchar', length: '20' },
          { name: 'origin', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'created_at', type: 'bigint' },
          { name: 'enqueued_at', type: 'bigint', isNullable: true },
          { name: 'started_at', type: 'bigint', isNullable: true },
          { name: 'finished_at', type: 'bigint', isNullable: true },
          { name: 'error_class', type: 'varchar', length: '32', isNullable: true },
          { name: 'error_message', type: 'text', isNullable: true },
          { name: 'rows_written', type: 'integer', isNullable: true },
          { name: 'quality', type: 'text', isNullable: true },
        ],
        uniques: [{ name: 'uq_prediction_window_key', columnNames: ['project', 'model', 'revision', 'from_ms', 'to_ms'] }],
        indices: [
          { name: 'ix_prediction_window_model_to', columnNames: ['project', 'model', 'to_ms'] },
          { name: 'ix_prediction_window_state', columnNames: ['state'] },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'task_run',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'task_id', type: 'varchar', length: '32' },
          { name: 'attempt', type: 'integer' },
          { name: 'executor', type: 'varchar', length: '100' },
          { name: 'started_at', type: 'bigint' },
          { name: 'finished_at', type: 'bigint' },
          { name: 'status', type: 'varchar', length: '20' },
          { name: 'error_class', type: 'varchar', length: '32', isNullable: true },
          { name: 'error_message', type: 'text', isNullable: true },
          { name: 'rows_written', type: 'integer', isNullable: true },
        ],
        indices: [{ name: 'ix_task_run_task', columnNames: ['task_id'] }],
      }),
    );
    // queue_message was created here until the database queue owned its migration (providers/database-queue).
    await q.createTable(
      new Table({
        name: 'scheduler_state',
        columns: [
          { name: 'name', type: 'varchar', length: '100', isPrimary: true },
          { name: 'last_tick_ms', type: 'bigint', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['scheduler_state', 'task_run', 'prediction_window']) await q.dropTable(table);
  }
}
