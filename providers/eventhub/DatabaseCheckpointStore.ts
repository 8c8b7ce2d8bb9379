import { randomUUID } from 'node:crypto';
import type { Checkpoint, CheckpointStore, PartitionOwnership } from '@azure/event-hubs';
import type { Database } from '../../src/persistence/Database.js';
import { SqlClient } from '../../src/persistence/sql/SqlClient.js';
import type { Clock } from '../../src/runtime/clock.js';

const KEY_WHERE = 'fully_qualified_namespace = ? AND event_hub_name = ? AND consumer_group = ?';

interface OwnershipRow {
  partition_id: string;
  owner_id: string;
  etag: string;
  last_modified_ms: number;
}

interface CheckpointRow {
  partition_id: string;
  sequence_number: number;
  event_offset: string;
}

/**
 * The Event Hubs SDK's `CheckpointStore` on the service's own database (SQLite or PostgreSQL), instead of
 * an Azure Storage account. Same guarantees as the blob store, one stricter: a claim without an etag only
 * wins when no record exists yet (the blob store writes unconditionally there). Namespace, hub and consumer
 * group are compared case-insensitively (stored lower-cased), as the service names them.
 *
 * Lost claims are values (left out of the result), never errors; database failures throw ProviderErrors
 * (retryable for lock contention and lost connections), which the SDK reports to processError and retries
 * on its next load-balancing loop.
 */
export class DatabaseCheckpointStore implements CheckpointStore {
  private readonly sql: SqlClient;

  /** `clock` stamps `lastModifiedTimeInMs`; the load balancers compare it with their own clocks. */
  constructor(
    db: Database,
    private readonly clock: Clock = Date.now,
  ) {
    this.sql = new SqlClient(db, 'eventhub checkpoint store');
  }

  async listOwnership(fullyQualifiedNamespace: string, eventHubName: string, consumerGroup: string): Promise<PartitionOwnership[]> {
    const key = groupKey(fullyQualifiedNamespace, eventHubName, consumerGroup);
    const rows = await this.sql.query<OwnershipRow>(
      `SELECT partition_id, owner_id, etag, last_modified_ms FROM eventhub_ownership WHERE ${KEY_WHERE} ORDER BY partition_id`,
      key,
    );
    return rows.map((row) => ({
      fullyQualifiedNamespace: key[0],
      eventHubName: key[1],
      consumerGroup: key[2],
      partitionId: row.partition_id,
      ownerId: row.owner_id,
      etag: row.etag,
      lastModifiedTimeInMs: Number(row.last_modified_ms),
    }));
  }

  /**
   * Each ownership independently: with an etag, won only if the stored record still carries it; without,
   * won only if no record exists. A winner gets a new etag and a `lastModifiedTimeInMs` later than the
   * record's previous one (even when the clock has not moved), and is returned; losers are left out.
   */
  async claimOwnership(ownerships: PartitionOwnership[]): Promise<PartitionOwnership[]> {
    const won: PartitionOwnership[] = [];
    for (const ownership of ownerships) {
      const claimed = await this.claimOne(ownership);
      if (claimed) won.push(claimed);
    }
    return won;
  }

  async listCheckpoints(fullyQualifiedNamespace: string, eventHubName: string, consumerGroup: string): Promise<Checkpoint[]> {
    const key = groupKey(fullyQualifiedNamespace, eventHubName, consumerGroup);
    const rows = await this.sql.query<CheckpointRow>(
      `SELECT partition_id, sequence_number, event_offset FROM eventhub_checkpoint WHERE ${KEY_WHERE} ORDER BY partition_id`,
      key,
    );
    return rows.map((row) => ({
      fullyQualifiedNamespace: key[0],
      eventHubName: key[1],
      consumerGroup: key[2],
      partitionId: row.partition_id,
      sequenceNumber: Number(row.sequence_number),
      offset: row.event_offset,
    }));
  }

  /** Upserts the partition's checkpoint; leaves its ownership (and etag) alone. Throws TypeError without a
   *  sequence number or offset, as the blob store does: a checkpoint without them could not be resumed from. */
  async updateCheckpoint(checkpoint: Checkpoint): Promise<void> {
    if (typeof checkpoint.sequenceNumber !== 'number' || !Number.isFinite(checkpoint.sequenceNumber)) {
      throw new TypeError(`checkpoint of partition ${checkpoint.partitionId} has no sequenceNumber`);
    }
    if (typeof checkpoint.offset !== 'string' || checkpoint.offset === '') {
      throw new TypeError(`checkpoint of partition ${checkpoint.partitionId} has no offset`);
    }
    const key = groupKey(checkpoint.fullyQualifiedNamespace, checkpoint.eventHubName, checkpoint.consumerGroup);
    await this.sql.run(
      'INSERT INTO eventhub_checkpoint (fully_qualified_namespace, event_hub_name, consumer_group, partition_id, sequence_number, event_offset, updated_ms) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fully_qualified_namespace, event_hub_name, consumer_group, partition_id) ' +
        'DO UPDATE SET sequence_number = excluded.sequence_number, event_offset = excluded.event_offset, updated_ms = excluded.updated_ms',
      [...key, checkpoint.partitionId, checkpoint.sequenceNumber, checkpoint.offset, this.clock()],
    );
  }

  private async claimOne(ownership: PartitionOwnership): Promise<PartitionOwnership | undefined> {
    const key = groupKey(ownership.fullyQualifiedNamespace, ownership.eventHubName, ownership.consumerGroup);
    const etag = randomUUID();
    const now = this.clock();
    // One statement each, so the check and the write are atomic on both databases.
    const rows =
      ownership.etag === undefined || ownership.etag === ''
        ? await this.sql.query<{ last_modified_ms: number }>(
            'INSERT INTO eventhub_ownership (fully_qualified_namespace, event_hub_name, consumer_group, partition_id, owner_id, etag, last_modified_ms) ' +
              'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fully_qualified_namespace, event_hub_name, consumer_group, partition_id) DO NOTHING ' +
              'RETURNING last_modified_ms',
            [...key, ownership.partitionId, ownership.ownerId, etag, now],
          )
        : await this.sql.query<{ last_modified_ms: number }>(
            // Renewals within one clock tick still move the time forward: the balancers treat it as a heartbeat.
            'UPDATE eventhub_ownership SET owner_id = ?, etag = ?, ' +
              'last_modified_ms = CASE WHEN last_modified_ms >= ? THEN last_modified_ms + 1 ELSE ? END ' +
              `WHERE ${KEY_WHERE} AND partition_id = ? AND etag = ? RETURNING last_modified_ms`,
            [ownership.ownerId, etag, now, now, ...key, ownership.partitionId, ownership.etag],
          );
    const [row] = rows;
    if (row === undefined) return undefined;
    return {
      fullyQualifiedNamespace: key[0],
      eventHubName: key[1],
      consumerGroup: key[2],
      partitionId: ownership.partitionId,
      ownerId: ownership.ownerId,
      etag,
      lastModifiedTimeInMs: Number(row.last_modified_ms),
    };
  }
}

function groupKey(fullyQualifiedNamespace: string, eventHubName: string, consumerGroup: string): [string, string, string] {
  return [fullyQualifiedNamespace.toLowerCase(), eventHubName.toLowerCase(), consumerGroup.toLowerCase()];
}
