import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue 16: what the data trigger remembers per model revision (where its windows have reached, the points
 * it had seen, since when the next window waits), the points each dispatched window had (so late data is
 * found), labelled intervals for evaluation, and each stored window's share of its model's summary.
 */
export class CreateModelTriggerTables1764000000040 implements MigrationInterface {
  name = 'CreateModelTriggerTables1764000000040';

  async up(q: QueryRunner): Promise<void> {
    const key = [
      { name: 'project', type: 'varchar', length: '200', isPrimary: true },
      { name: 'model', type: 'varchar', length: '200', isPrimary: true },
    ];
    const revision = { name: 'revision', type: 'varchar', length: '200', isPrimary: true };
    await q.createTable(
      new Table({
        name: 'model_trigger_state',
        columns: [
          ...key,
          revision,
          // The start of the next window to dispatch.
          { name: 'next_from_ms', type: 'bigint' },
          // Points of the input tags when windows were last dispatched (min_new_points counts from here).
          { name: 'points_seen', type: 'bigint', default: 0 },
          // Points of the input tags at the last check for late data.
          { name: 'points_checked', type: 'bigint', default: 0 },
          // When the next window's first tag passed its end (max_wait counts from here); NULL when not waiting.
          { name: 'waiting_since_ms', type: 'bigint', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'model_trigger_window',
        columns: [...key, revision, { name: 'from_ms', type: 'bigint', isPrimary: true }, { name: 'points', type: 'bigint' }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'model_label',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'project', type: 'varchar', length: '200' },
          { name: 'model', type: 'varchar', length: '200' },
          { name: 'from_ms', type: 'bigint' },
          { name: 'to_ms', type: 'bigint' },
          { name: 'label', type: 'varchar', length: '100' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ name: 'ix_model_label_model', columnNames: ['project', 'model', 'from_ms'] }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'model_summary_window',
        columns: [
          ...key,
          revision,
          { name: 'from_ms', type: 'bigint', isPrimary: true },
          // What the window's predictions add to the model's summary (src/summary/windowStats.ts), as JSON;
          // replaced when the window is stored again, so a re-run never counts twice.
          { name: 'stats', type: 'text' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('model_summary_window');
    await q.dropTable('model_label');
    await q.dropTable('model_trigger_window');
    await q.dropTable('model_trigger_state');
  }
}
