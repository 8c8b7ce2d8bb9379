import type { Database } from '../../src/persistence/Database.js';
import { SqlClient } from '../../src/persistence/sql/SqlClient.js';
import type { Clock } from '../../src/runtime/clock.js';

/** Where in the hub an undeliverable event sat, and why it was parked. */
export interface DeadLetteredEvent {
  readonly fullyQualifiedNamespace: string;
  readonly eventHubName: string;
  readonly consumerGroup: string;
  readonly partitionId: string;
  readonly sequenceNumber: number;
  readonly offset: string;
  readonly messageId: string | undefined;
  readonly body: string;
  readonly reason: string;
  readonly attempts: number;
}

/**
 * Events the executors gave up on (malformed, permanently failing, out of attempts), kept in the database
 * with the partition, offset and sequence number, since a hub cannot park a message: the checkpoint moves
 * past them. Recording the same event twice (a redelivery after a crash) keeps the first record.
 */
export class DeadLetterLog {
  private readonly sql: SqlClient;

  constructor(
    db: Database,
    private readonly clock: Clock = Date.now,
  ) {
    this.sql = new SqlClient(db, 'eventhub dead letter');
  }

  async record(event: DeadLetteredEvent): Promise<void> {
    await this.sql.run(
      'INSERT INTO eventhub_dead_letter (fully_qualified_namespace, event_hub_name, consumer_group, partition_id, sequence_number, ' +
        'event_offset, message_id, body, reason, attempts, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [
        event.fullyQualifiedNamespace.toLowerCase(),
        event.eventHubName.toLowerCase(),
        event.consumerGroup.toLowerCase(),
        event.partitionId,
        event.sequenceNumber,
        event.offset,
        event.messageId ?? null,
        event.body,
        event.reason,
        event.attempts,
        this.clock(),
      ],
    );
  }

  async count(eventHubName: string, consumerGroup: string): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM eventhub_dead_letter WHERE event_hub_name = ? AND consumer_group = ?',
      [eventHubName.toLowerCase(), consumerGroup.toLowerCase()],
    );
    return Number(row?.n ?? 0);
  }

  /** Forgets a parked event (it was re-driven: sent to the hub again as a new event). */
  async remove(
    event: Pick<DeadLetteredEvent, 'fullyQualifiedNamespace' | 'eventHubName' | 'consumerGroup' | 'partitionId' | 'sequenceNumber'>,
  ): Promise<void> {
    await this.sql.run(
      'DELETE FROM eventhub_dead_letter WHERE fully_qualified_namespace = ? AND event_hub_name = ? AND consumer_group = ? ' +
        'AND partition_id = ? AND sequence_number = ?',
      [
        event.fullyQualifiedNamespace.toLowerCase(),
        event.eventHubName.toLowerCase(),
        event.consumerGroup.toLowerCase(),
        event.partitionId,
        event.sequenceNumber,
      ],
    );
  }

  /** Retention: forgets the events of a hub's consumer group parked before `cutoffMs`; returns how many. */
  async prune(eventHubName: string, consumerGroup: string, cutoffMs: number): Promise<number> {
    return this.sql.run('DELETE FROM eventhub_dead_letter WHERE event_hub_name = ? AND consumer_group = ? AND dead_at < ?', [
      eventHubName.toLowerCase(),
      consumerGroup.toLowerCase(),
      cutoffMs,
    ]);
  }

  /** Every parked event of a hub's consumer group, in the order they were parked. */
  async list(eventHubName: string, consumerGroup: string): Promise<(DeadLetteredEvent & { deadAtMs: number })[]> {
    const rows = await this.sql.query<Record<string, string | number | null>>(
      'SELECT * FROM eventhub_dead_letter WHERE event_hub_name = ? AND consumer_group = ? ORDER BY dead_at, partition_id, sequence_number',
      [eventHubName.toLowerCase(), consumerGroup.toLowerCase()],
    );
    return rows.map((r) => ({
      fullyQualifiedNamespace: String(r.fully_qualified_namespace),
      eventHubName: String(r.event_hub_name),
      consumerGroup: String(r.consumer_group),
      partitionId: String(r.partition_id),
      sequenceNumber: Number(r.sequence_number),
      offset: String(r.event_offset),
      messageId: r.message_id === null ? undefined : String(r.message_id),
      body: String(r.body),
      reason: String(r.reason),
      attempts: Number(r.attempts),
      deadAtMs: Number(r.dead_at),
    }));
  }
}
