import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Outputs (issue 19), the rest: an on-demand run may name a `result` output (Enodo's `responseOutputID`),
 * delivered once the run finished (`result_routed_at` set when its delivery row was written); and
 * `watch_state`, the last observed state of what is watched rather than written (a model stale or fresh, an
 * executor live or lost), so a change is appended to the event outbox once, whichever api process sees it.
 */
export class AddRunOutputAndWatchState1764000000150 implements MigrationInterface {
  name = 'AddRunOutputAndWatchState1764000000150';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('run', [
      new TableColumn({ name: 'output_id', type: 'varchar', length: '100', isNullable: true }),
      new TableColumn({ name: 'result_routed_at', type: 'bigint', isNullable: true }),
    ]);
    await q.createTable(
      new Table({
        name: 'watch_state',
        columns: [
          // `model:<project>/<model>` or `executor:<name>`.
          { name: 'key', type: 'varchar', length: '450', isPrimary: true },
          { name: 'state', type: 'varchar', length: '32' },
          // Set by the transaction that changed the state; the event it appends is guarded on it.
          { name: 'token', type: 'varchar', length: '36' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('watch_state');
    await q.dropColumn('run', 'result_routed_at');
    await q.dropColumn('run', 'output_id');
  }
}
