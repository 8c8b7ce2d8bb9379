import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The Event Hubs task queue's state (providers/eventhub): the checkpoint store's partition ownership and
 * checkpoints, and the events it parked as undeliverable. Keyed like the service names them: namespace,
 * hub and consumer group (stored lower-cased, as the service treats them case-insensitively) and partition.
 */
export class CreateEventHubTables1764000000005 implements MigrationInterface {
  name = 'CreateEventHubTables1764000000005';

  async up(q: QueryRunner): Promise<void> {
    const key = [
      { name: 'fully_qualified_namespace', type: 'varchar', length: '255', isPrimary: true },
      { name: 'event_hub_name', type: 'varchar', length: '260', isPrimary: true },
      { name: 'consumer_group', type: 'varchar', length: '260', isPrimary: true },
      { name: 'partition_id', type: 'varchar', length: '64', isPrimary: true },
    ];
    await q.createTable(new Table({
      name: 'eventhub_ownership',
      columns: [
        ...key,
        // Empty when the owner gave the partition up (the SDK's "abandoned").
        { name: 'owner_id', type: 'varchar', length: '255' },
        // A new random value on every write: claims compare it (optimistic concurrency).
        { name: 'etag', type: 'varchar', length: '64' },
        { name: 'last_modified_ms', type: 'bigint' },
      ],
    }));
    await q.createTable(new Table({
      name: 'eventhub_checkpoint',
      columns: [
        ...key,
        { name: 'sequence_number', type: 'bigint' },
        // Opaque text since SDK v6 (geo-replicated hubs use non-numeric offsets).
        { name: 'event_offset', type: 'varchar', length: '128' },
        { name: 'updated_ms', type: 'bigint' },
      ],
    }));
    await q.createTable(new Table({
      name: 'eventhub_dead_letter',
      columns: [
        ...key,
        { name: 'sequence_number', type: 'bigint', isPrimary: true },
        { name: 'event_offset', type: 'varchar', length: '128' },
        { name: 'message_id', type: 'varchar', length: '128', isNullable: true },
        { name: 'body', type: 'text' },
        { name: 'reason', type: 'text' },
        { name: 'attempts', type: 'integer' },
        { name: 'dead_at', type: 'bigint' },
      ],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['eventhub_dead_letter', 'eventhub_checkpoint', 'eventhub_ownership']) await q.dropTable(table);
  }
}
