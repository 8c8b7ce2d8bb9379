import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The event outbox (issue 15, ARCHITECTURE invariant 9): window, prediction, anomaly and episode events,
 * appended in the transaction of the state change they report and followed by the api process's live feed.
 * `id` only grows (AUTOINCREMENT on SQLite, a bigint sequence on PostgreSQL), so a consumer resumes after
 * the last id it saw; `created_at` (epoch ms) is what retention prunes by.
 */
export class CreateEventTable1764000000020 implements MigrationInterface {
  name = 'CreateEventTable1764000000020';

  async up(q: QueryRunner): Promise<void> {
    const postgres = q.connection.driver.options.type === 'postgres';
    await q.createTable(
      new Table({
        name: 'event',
        columns: [
          // SQLite: INTEGER PRIMARY KEY AUTOINCREMENT never reuses an id, even after retention emptied the table.
          { name: 'id', type: postgres ? 'bigint' : 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'type', type: 'varchar', length: '32' },
          { name: 'project', type: 'varchar', length: '200' },
          { name: 'model', type: 'varchar', length: '200' },
          { name: 'revision', type: 'varchar', length: '200', isNullable: true },
          // JSON text: the event's data, shaped per type (src/events/eventTypes.ts).
          { name: 'payload', type: 'text' },
          { name: 'created_at', type: 'bigint' },
        ],
        indices: [{ name: 'ix_event_created_at', columnNames: ['created_at'] }],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('event');
  }
}
