import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 16: the training of each model revision defined through the API or `latigo models define`, so a
 * new revision is trained before the scheduler plans its windows, and the API and `latigo models train`
 * report how training went (state, when, why it failed: too few rows, constant tags named).
 */
export class CreateModelTrainingTable1764000000141 implements MigrationInterface {
  name = 'CreateModelTrainingTable1764000000141';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'model_training',
        columns: [
          // The same lengths as model_trigger_state's key.
          { name: 'project', type: 'varchar', length: '200', isPrimary: true },
          { name: 'model', type: 'varchar', length: '200', isPrimary: true },
          { name: 'revision', type: 'varchar', length: '200', isPrimary: true },
          // pending | training | ready | failed
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'reason', type: 'text', isNullable: true },
          { name: 'started_at', type: 'bigint', isNullable: true },
          { name: 'finished_at', type: 'bigint', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('model_training');
  }
}
