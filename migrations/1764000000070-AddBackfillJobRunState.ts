import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Backfill jobs run by the scheduler (issue 13): the `backfill_job` table of 1764000000013 gains what a job
 * needs to be claimed by one scheduler at a time (owner and lease), paced (share of executor capacity),
 * resumed and reported (windows planned, where it started, the grid-aligned span it covers, its error).
 */
export class AddBackfillJobRunState1764000000070 implements MigrationInterface {
  name = 'AddBackfillJobRunState1764000000070';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('backfill_job', [
      // Most backfill windows queued or running at once, as a share of the live executors' concurrency.
      new TableColumn({ name: 'executor_share', type: 'double precision', isNullable: true }),
      // The process running the job and until when its claim holds (renewed while it runs).
      new TableColumn({ name: 'owner', type: 'varchar', length: '100', isNullable: true }),
      new TableColumn({ name: 'lease_until', type: 'bigint', isNullable: true }),
      // Windows compared with the ledger and sent (or found recorded) so far: the dispatch's progress.
      new TableColumn({ name: 'planned', type: 'integer', default: 0 }),
      // `finished` when the job first started, and when: the ETA is the rate since then.
      new TableColumn({ name: 'finished_at_start', type: 'integer', isNullable: true }),
      new TableColumn({ name: 'started_at', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'ended_at', type: 'bigint', isNullable: true }),
      // The requested range aligned outward to the window grid, once known.
      new TableColumn({ name: 'covering_from_ms', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'covering_to_ms', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'error', type: 'text', isNullable: true }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of [
      'error',
      'covering_to_ms',
      'covering_from_ms',
      'ended_at',
      'started_at',
      'finished_at_start',
      'planned',
      'lease_until',
      'owner',
      'executor_share',
    ])
      await q.dropColumn('backfill_job', column);
  }
}
