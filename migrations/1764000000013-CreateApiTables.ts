import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The service API's tables (issue 13): on-demand runs, backfill jobs, and the heartbeats of every
 * scheduler, executor and api process. Times are epoch milliseconds (bigint), as everywhere.
 */
export class CreateApiTables1764000000013 implements MigrationInterface {
  name = 'CreateApiTables1764000000013';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'run',
        columns: [
          // A run's windows are the ledger rows of its model revision inside [from_ms, to_ms): no copy of them here.
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'project', type: 'varchar', length: '200' },
          { name: 'model', type: 'varchar', length: '200' },
          { name: 'revision', type: 'varchar', length: '200' },
          { name: 'from_ms', type: 'bigint' },
          { name: 'to_ms', type: 'bigint' },
          { name: 'rerun', type: 'boolean', default: false },
          { name: 'windows', type: 'integer' },
          { name: 'queued', type: 'integer' },
          // The client's `meta`, echoed back as given (JSON text).
          { name: 'meta', type: 'text', isNullable: true },
          { name: 'requested_by', type: 'varchar', length: '100' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ name: 'ix_run_model', columnNames: ['project', 'model', 'created_at'] }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'backfill_job',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'from_ms', type: 'bigint' },
          { name: 'to_ms', type: 'bigint' },
          // JSON array of "project/model" selectors; NULL for every model.
          { name: 'models', type: 'text', isNullable: true },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'windows_per_minute', type: 'integer', isNullable: true },
          { name: 'total', type: 'integer', default: 0 },
          { name: 'finished', type: 'integer', default: 0 },
          { name: 'requested_by', type: 'varchar', length: '100' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'process',
        columns: [
          { name: 'name', type: 'varchar', length: '100', isPrimary: true },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'host', type: 'varchar', length: '255' },
          { name: 'pid', type: 'integer' },
          { name: 'version', type: 'varchar', length: '32' },
          { name: 'started_at', type: 'bigint' },
          { name: 'last_seen', type: 'bigint' },
          { name: 'in_flight', type: 'integer', default: 0 },
          { name: 'done', type: 'integer', default: 0 },
          { name: 'failed', type: 'integer', default: 0 },
          // Tasks finished per second over the last heartbeat interval.
          { name: 'rate', type: 'double precision', default: 0 },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['process', 'backfill_job', 'run']) await q.dropTable(table);
  }
}
