import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Outputs (issue 19): webhook definitions, the deliveries owed to them (a durable outbox: a delivery is a
 * row before it is a request), each delivery's attempts, and how far the router has read the event outbox.
 */
export class CreateOutputTables1764000000051 implements MigrationInterface {
  name = 'CreateOutputTables1764000000051';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'output',
        columns: [
          { name: 'id', type: 'varchar', length: '100', isPrimary: true },
          // The whole definition as JSON (secret included: it signs; listings mask it).
          { name: 'definition', type: 'text' },
          // 'config' (declared in outputs.definitions, replaced at every api start) or 'api'.
          { name: 'source', type: 'varchar', length: '16' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'output_delivery',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'output_id', type: 'varchar', length: '100' },
          // What it reports: an outbox event, or a run ('run:<id>'); unique per output so routing twice adds nothing.
          { name: 'source_key', type: 'varchar', length: '100' },
          { name: 'event_type', type: 'varchar', length: '64' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'method', type: 'varchar', length: '8' },
          { name: 'url', type: 'text' },
          // JSON {name: value} of the rendered headers (no signature: that is computed per attempt).
          { name: 'headers', type: 'text' },
          { name: 'body', type: 'text', isNullable: true },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: 'bigint' },
          // A sender's claim; a crashed sender's claim lapses and the delivery is sent again.
          { name: 'lease_until', type: 'bigint', isNullable: true },
          { name: 'occurred_at', type: 'bigint' },
          { name: 'created_at', type: 'bigint' },
          { name: 'delivered_at', type: 'bigint', isNullable: true },
          { name: 'last_status', type: 'integer', isNullable: true },
          { name: 'last_error', type: 'text', isNullable: true },
          { name: 'last_response', type: 'text', isNullable: true },
        ],
        uniques: [{ name: 'uq_output_delivery_source', columnNames: ['output_id', 'source_key'] }],
        indices: [
          { name: 'ix_output_delivery_due', columnNames: ['state', 'next_attempt_at'] },
          { name: 'ix_output_delivery_output', columnNames: ['output_id', 'created_at'] },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'output_attempt',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'delivery_id', type: 'varchar', length: '40' },
          { name: 'attempt', type: 'integer' },
          { name: 'started_at', type: 'bigint' },
          { name: 'latency_ms', type: 'integer' },
          { name: 'status_code', type: 'integer', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
        ],
        indices: [{ name: 'ix_output_attempt_delivery', columnNames: ['delivery_id'] }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'output_cursor',
        columns: [
          { name: 'name', type: 'varchar', length: '100', isPrimary: true },
          { name: 'last_event_id', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    // The router starts where the outbox stands when outputs arrive: on a new database that is its start, so
    // an output declared in the configuration receives every event, even those appended by executors that
    // ran before the api's first start; on an older database it is its end, so history is not replayed.
    await q.query(
      `INSERT INTO output_cursor (name, last_event_id, updated_at) SELECT 'outputs', COALESCE(MAX(id), 0), ${Date.now()} FROM event`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['output_cursor', 'output_attempt', 'output_delivery', 'output']) await q.dropTable(table);
  }
}
