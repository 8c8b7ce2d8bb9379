import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Fencing for the window ledger (issue 14): a window being run names its runner and when the runner's
 * claim ends, so a second delivery of the same window is refused while the first runner's claim is live.
 * Both columns are empty on windows no executor has begun.
 * Also the totals of retention (what was pruned by age, kept for `latigo status`).
 */
export class AddWindowLease1764000000014 implements MigrationInterface {
  name = 'AddWindowLease1764000000014';

  async up(q: QueryRunner): Promise<void> {
    // 100 characters: the same limit as task_run.executor, which records the same name.
    await q.addColumn('prediction_window', new TableColumn({ name: 'runner', type: 'varchar', length: '100', isNullable: true }));
    await q.addColumn('prediction_window', new TableColumn({ name: 'lease_expires_at', type: 'bigint', isNullable: true }));
    await q.createTable(
      new Table({
        name: 'retention_total',
        columns: [
          { name: 'kind', type: 'varchar', length: '32', isPrimary: true },
          { name: 'pruned', type: 'bigint', default: 0 },
          { name: 'last_run_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('retention_total');
    await q.dropColumn('prediction_window', 'lease_expires_at');
    await q.dropColumn('prediction_window', 'runner');
  }
}
