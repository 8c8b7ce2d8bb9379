import type { CheckpointStore } from '@azure/event-hubs';
import type { EventHubQueueConfig } from './config.js';
import type { DeadLetterLog } from './DeadLetterLog.js';
import { toProviderError } from './errors.js';
import type { ProducerLike } from './EventHubsTaskQueue.js';

/** What `latigo status` reads of a hub: its backlog per consumer group and the parked events (EventHubQueueInspector builds on it). */
export class HubStatus {
  constructor(
    private readonly config: EventHubQueueConfig,
    private readonly checkpointStore: CheckpointStore,
    private readonly deadLetterLog: DeadLetterLog,
    private readonly producer: () => ProducerLike,
    private readonly partitionIds: () => Promise<string[]>,
  ) {}

  /** The events parked as undeliverable for this hub and consumer group. */
  listDeadLetters() {
    return this.deadLetterLog.list(this.config.eventHubName, this.config.consumerGroup);
  }

  /**
   * `ready` is the consumer group's backlog, the events of every partition after its checkpoint (events
   * being worked on by executors included: a hub cannot tell them apart); `dead` counts the parked events.
   * `leased` and `delayed` are per executor process and reported as 0.
   */
  async depth(): Promise<{ ready: number; leased: number; delayed: number; dead: number }> {
    try {
      const producer = this.producer();
      const ids = await this.partitionIds();
      const [partitions, checkpoints, dead] = await Promise.all([
        Promise.all(ids.map((id) => producer.getPartitionProperties(id))),
        this.checkpointStore.listCheckpoints(producer.fullyQualifiedNamespace, this.config.eventHubName, this.config.consumerGroup),
        this.deadLetterLog.count(this.config.eventHubName, this.config.consumerGroup),
      ]);
      let ready = 0;
      for (const partition of partitions) {
        if (partition.isEmpty) continue;
        const checkpoint = checkpoints.find((c) => c.partitionId === partition.partitionId);
        const before = checkpoint?.sequenceNumber ?? partition.beginningSequenceNumber - 1;
        ready += Math.max(0, partition.lastEnqueuedSequenceNumber - before);
      }
      return { ready, leased: 0, delayed: 0, dead };
    } catch (err) {
      throw toProviderError(err, 'eventhub.depth');
    }
  }

  /** The most recently parked events, newest first. */
  async deadLetters(limit: number): Promise<{ id: string; reason: string }[]> {
    const parked = await this.listDeadLetters();
    return parked
      .slice(-limit)
      .reverse()
      .map((d) => ({ id: d.messageId ?? `${d.partitionId}:${d.sequenceNumber}`, reason: d.reason }));
  }
}
