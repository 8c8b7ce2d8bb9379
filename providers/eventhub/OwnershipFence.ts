import type { Checkpoint, CheckpointStore, OperationOptions, PartitionOwnership } from '@azure/event-hubs';

/**
 * Told when the checkpoint store shows that a partition this executor reads now belongs to another.
 * `readSince` is when (performance.now()) the read that showed it began: a partition opened after that
 * was claimed after the record was read, and is not lost.
 */
export type OwnershipLost = (partitionId: string, newOwner: string | undefined, readSince: number) => void;

/**
 * The checkpoint store as the SDK and the queue see it, watching the ownership records on their way
 * through. The SDK learns that it lost a partition only when the service detaches its receiver
 * (`amqp:link:stolen`), and reports that only to the next receive call of the partition's pump, which may
 * sit for long in our backpressure while the executor keeps handing out buffered events the new owner
 * reads again. The records say it sooner: a partition whose record names another owner, or whose renewal
 * with our owner id was refused (someone changed the etag), is lost; `onLost` is told at once.
 *
 * The SDK lists and renews every load-balancing loop; `check` lists on demand: the queue calls it before
 * it hands out events, so a claim committed before a receive call began is always seen by that call (one
 * small indexed read of a few rows per receive).
 */
export class OwnershipFence implements CheckpointStore {
  /** Partitions the queue dropped on our word and has not read since (see `dropped`). */
  private readonly dropped = new Set<string>();
  /** When (performance.now()) each of our claims last succeeded, by partition. */
  private readonly claimedAt = new Map<string, number>();

  constructor(
    private readonly store: CheckpointStore,
    private readonly ownerId: string,
    private readonly onLost: OwnershipLost,
  ) {}

  async listOwnership(
    fullyQualifiedNamespace: string,
    eventHubName: string,
    consumerGroup: string,
    options?: OperationOptions,
  ): Promise<PartitionOwnership[]> {
    const since = performance.now();
    const records = await this.store.listOwnership(fullyQualifiedNamespace, eventHubName, consumerGroup, options);
    // An empty owner is an abandoned record (ours only when we closed): not a take-over.
    for (const record of records) {
      if (record.ownerId === this.ownerId && this.dropped.delete(record.partitionId)) this.releaseDropped(record);
      if (record.ownerId !== '' && record.ownerId !== this.ownerId && !this.claimedSince(record.partitionId, since)) {
        this.onLost(record.partitionId, record.ownerId, since);
      }
    }
    return records;
  }

  async claimOwnership(ownerships: PartitionOwnership[], options?: OperationOptions): Promise<PartitionOwnership[]> {
    const since = performance.now();
    const won = await this.store.claimOwnership(ownerships, options);
    const done = performance.now();
    for (const o of won) if (o.ownerId === this.ownerId) this.claimedAt.set(o.partitionId, done);
    const wonIds = new Set(won.map((o) => o.partitionId));
    // A refused renewal (our id, with the etag we listed) means another claim changed the record since.
    for (const claim of ownerships) {
      if (
        claim.ownerId === this.ownerId &&
        claim.etag !== undefined &&
        !wonIds.has(claim.partitionId) &&
        !this.claimedSince(claim.partitionId, since)
      ) {
        this.onLost(claim.partitionId, undefined, since);
      }
    }
    return won;
  }

  /** The queue dropped `partitionId` on our word (it stopped reading it). */
  markDropped(partitionId: string): void {
    this.dropped.add(partitionId);
  }

  /** The queue reads `partitionId` again. */
  markReading(partitionId: string): void {
    this.dropped.delete(partitionId);
  }

  /**
   * A record still naming us for a partition we dropped (a take-over seen in a read that a later claim of
   * ours overtook): nobody reads it, and the SDK would leave it so until the record expired. Released
   * (owner ""), so a load balancer claims it on its next loop. A lost race here is harmless.
   */
  private releaseDropped(record: PartitionOwnership): void {
    this.store.claimOwnership([{ ...record, ownerId: '' }]).catch(() => undefined);
  }

  /**
   * Whether one of our claims of the partition succeeded after `since`: a read that began before it may
   * show the record as it was before we (re)claimed it, and must not cost us the partition (the SDK would
   * not read it again until our own record expired).
   */
  private claimedSince(partitionId: string, since: number): boolean {
    return (this.claimedAt.get(partitionId) ?? -Infinity) > since;
  }

  listCheckpoints(
    fullyQualifiedNamespace: string,
    eventHubName: string,
    consumerGroup: string,
    options?: OperationOptions,
  ): Promise<Checkpoint[]> {
    return this.store.listCheckpoints(fullyQualifiedNamespace, eventHubName, consumerGroup, options);
  }

  updateCheckpoint(checkpoint: Checkpoint, options?: OperationOptions): Promise<void> {
    return this.store.updateCheckpoint(checkpoint, options);
  }

  /**
   * Reads the group's ownership records now; resolves once `onLost` was told of every partition another
   * executor claimed before the call. Not coalesced with a read already under way, which may predate a
   * claim. A failed read is the caller's to handle.
   */
  async check(group: { fullyQualifiedNamespace: string; eventHubName: string; consumerGroup: string }): Promise<void> {
    await this.listOwnership(group.fullyQualifiedNamespace, group.eventHubName, group.consumerGroup);
  }
}
