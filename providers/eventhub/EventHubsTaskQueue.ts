import { performance } from 'node:perf_hooks';
import {
  earliestEventPosition,
  latestEventPosition,
  type CheckpointStore,
  type EventHubConsumerClient,
  type EventHubProducerClient,
  type PartitionContext,
  type ReceivedEventData,
  type Subscription,
} from '@azure/event-hubs';
import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type {
  NackOptions,
  NackResult,
  OutgoingMessage,
  ReceivedMessage,
  ReceiveOptions,
  SendResult,
  SettleResult,
  TaskQueue,
} from '../../src/contracts/TaskQueue.js';
import { classifyError, describeError, isProviderError, ProviderError, throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import { retryDelayMs } from '../../src/runtime/retry.js';
import { createConsumer, createProbeConsumer, createProducer, describeTarget } from './client.js';
import type { EventHubQueueConfig } from './config.js';
import type { DeadLetterLog } from './DeadLetterLog.js';
import { describeStartupFailure, redactSecrets, toProviderError } from './errors.js';
import { HubStatus } from './HubStatus.js';
import { OwnedPartition } from './OwnedPartition.js';
import { OwnershipFence } from './OwnershipFence.js';
import { probeConsumerGroup, type ProbeConsumerLike } from './probeConsumerGroup.js';
import { RedeliveryBuffer, type Delivery, type RedeliveryTimers } from './RedeliveryBuffer.js';
import { sendTasks } from './sendTasks.js';
import { StallWatchdog } from './StallWatchdog.js';

/** The calls this queue makes on the SDK's clients (tests may hand in their own). */
export type ProducerLike = Pick<
  EventHubProducerClient,
  'createBatch' | 'sendBatch' | 'getPartitionIds' | 'getPartitionProperties' | 'fullyQualifiedNamespace' | 'close'
>;
export type ConsumerLike = Pick<EventHubConsumerClient, 'subscribe' | 'close'>;

/** Where the queue reports its SDK calls and errors (the process's metrics; LatigoMetrics has this shape). */
export interface QueueCallObserver {
  providerCall(event: { provider: string; operation: string; durationMs: number; errorClass?: string }): void;
}

export interface EventHubsTaskQueueOptions {
  config: EventHubQueueConfig;
  /** Ownership and checkpoints (DatabaseCheckpointStore in production). */
  checkpointStore: CheckpointStore;
  deadLetters: DeadLetterLog;
  /** This executor's owner id in the checkpoint store and its name on the hub, e.g. the process name. */
  identifier: string;
  log: Logger;
  /** Told of each send and checkpoint write (with its duration) and of each receive error, for metrics. */
  observer?: QueueCallObserver;
  createProducer?: () => ProducerLike;
  createConsumer?: (store: CheckpointStore) => ConsumerLike;
  /** The consumer without a store that probes the consumer group before the first receive. */
  createProbeConsumer?: () => ProbeConsumerLike;
  random?: () => number;
  /** Schedules the redelivery of nacked events (tests hand in a manual clock). */
  timers?: RedeliveryTimers;
}

/** What the queue has done, for logs, status and metrics. */
export interface EventHubsQueueStats {
  sent: number;
  batchesSent: number;
  received: number;
  checkpoints: number;
  deadLettered: number;
  /** Errors the SDK reported on receive links (outages, throttling) besides the expected take-overs. */
  receiveErrors: number;
  /** Partitions being read (taken-over ones no longer count, even before the SDK closes them). */
  partitionsOwned: number;
  /** Take-overs seen in the checkpoint store's ownership records, before or instead of the service's detach. */
  partitionsLost: number;
  /** Buffered events of taken-over partitions dropped unhanded-out (their next owner reads them). */
  droppedOnTakeOver: number;
}

/**
 * The task queue on Azure Event Hubs. The hub has partitions and checkpoints, not per-message leases, so the
 * TaskQueue contract maps onto it like this:
 *
 * - `send`: batched per partition; the partition is a stable hash of the message's partition key (the
 *   model), so one model's windows stay in order; the task id is the event's message id.
 * - `receive`: events of the partitions this executor owns (the SDK balances partitions between executors
 *   through the checkpoint store), buffered up to `max_unsettled_per_partition` per partition.
 * - `ack`: the event is finished; the partition's checkpoint moves past the contiguous prefix of finished
 *   events (CheckpointTracker), so several tasks run at once and nothing unfinished is skipped on a take-over.
 * - `nack`: redelivered by this executor after a backoff, with the attempt counted; after `max_attempts`
 *   dead-lettered. Attempts restart at 1 if another executor takes the partition meanwhile.
 * - `deadLetter`: recorded in `eventhub_dead_letter` with partition, offset and sequence number; the
 *   checkpoint moves past it.
 * - `release`: handed to the next `receive`, or, while closing, left before the checkpoint for the next owner.
 * - A lease is lost when the partition is taken over (the settle methods then return `lease_lost`).
 *
 * The queue is transport only: bodies pass through unread (the executor's task codec reads both message
 * formats and pins Python tasks). Its parts: RedeliveryBuffer (ready, leased and backed-off deliveries),
 * OwnedPartition (checkpoints and backpressure per partition), StallWatchdog (reconnects after an outage
 * the SDK does not recover from), HubStatus (backlog and dead letters for `latigo status`),
 * DeadLetterLog and sendTasks.
 */
export class EventHubsTaskQueue implements TaskQueue {
  private readonly config: EventHubQueueConfig;
  private readonly log: Logger;
  private readonly partitions = new Map<string, OwnedPartition>();
  private readonly buffer: RedeliveryBuffer;
  private readonly watchdog: StallWatchdog;
  private readonly status: HubStatus;
  private producer: ProducerLike | undefined;
  private partitionIds: Promise<string[]> | undefined;
  private consumer: ConsumerLike | undefined;
  private subscription: Subscription | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;
  private readyToReceive: Promise<void> | undefined;
  readonly stats: EventHubsQueueStats = {
    sent: 0,
    batchesSent: 0,
    received: 0,
    checkpoints: 0,
    deadLettered: 0,
    receiveErrors: 0,
    partitionsOwned: 0,
    partitionsLost: 0,
    droppedOnTakeOver: 0,
  };
  private readonly fence: OwnershipFence;

  private constructor(private readonly options: EventHubsTaskQueueOptions) {
    this.config = options.config;
    this.log = options.log;
    this.buffer = new RedeliveryBuffer(options.timers);
    this.fence = new OwnershipFence(options.checkpointStore, options.identifier, (partitionId, newOwner, readSince) =>
      this.losePartition(partitionId, newOwner, readSince),
    );
    this.watchdog = new StallWatchdog(
      {
        reading: () => [...this.partitions.values()].some((p) => p.open),
        receiveErrors: () => this.stats.receiveErrors,
        reconnect: (stalledMs) => this.reconnect(stalledMs),
      },
      this.config.loadBalancing,
    );
    this.status = new HubStatus(
      this.config,
      options.checkpointStore,
      options.deadLetters,
      () => this.getProducer(),
      () => this.getPartitionIds(),
    );
  }

  /**
   * Connects and reads the hub's partitions, so a wrong connection string, a missing hub or refused
   * credentials stop start-up with a ProviderError saying which (never retryable) and no secret in it.
   */
  static async create(options: EventHubsTaskQueueOptions): Promise<EventHubsTaskQueue> {
    const queue = new EventHubsTaskQueue(options);
    try {
      const ids = await queue.getPartitionIds();
      options.log.info('event hub reachable', {
        target: describeTarget(options.config),
        partitions: ids.length,
        consumerGroup: options.config.consumerGroup,
      });
    } catch (err) {
      await queue.close().catch(() => undefined);
      const sdkError = isProviderError(err) && err.cause !== undefined ? err.cause : err;
      throw new ProviderError(describeStartupFailure(sdkError, describeTarget(options.config)), { retryable: false, cause: sdkError });
    }
    return queue;
  }

  async send(messages: readonly OutgoingMessage[], options?: CallOptions): Promise<SendResult> {
    throwIfAborted(options?.signal);
    if (messages.length === 0) return { sent: 0, duplicates: 0 };
    const ids = await this.getPartitionIds();
    const t0 = performance.now();
    try {
      this.stats.batchesSent += await sendTasks(this.getProducer(), ids, messages, {
        format: this.config.messageFormat,
        ...(options?.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      this.observe('send', t0, err);
      throw err;
    }
    this.observe('send', t0);
    this.stats.sent += messages.length;
    // A hub cannot tell a re-sent id; the ledger keeps the scheduler from sending a window twice.
    return { sent: messages.length, duplicates: 0 };
  }

  async receive(options: ReceiveOptions): Promise<ReceivedMessage[]> {
    throwIfAborted(options.signal);
    if (this.closing) return [];
    this.readyToReceive ??= this.prepareToReceive();
    await this.readyToReceive;
    this.subscribe();
    await this.checkOwnership();
    const taken = this.buffer.take(options.maxMessages);
    if (taken.length > 0 || !options.waitMs) return taken;
    await this.buffer.arrival(options.waitMs, options.signal);
    throwIfAborted(options.signal);
    await this.checkOwnership();
    return this.buffer.take(options.maxMessages);
  }

  /**
   * Once, before the first receive (so only executors pay for it): the consumer group must exist (else a
   * ProviderError naming it, never retryable: the executor stops with exit 1), and the ownership records an
   * earlier run of this executor left (same name, e.g. after a crash or kill -9) are released, so the
   * load balancer claims those partitions again at once instead of idling until they expire.
   */
  private async prepareToReceive(): Promise<void> {
    const ids = await this.getPartitionIds();
    const probe = this.options.createProbeConsumer?.() ?? createProbeConsumer(this.config, this.options.identifier);
    await probeConsumerGroup(
      probe,
      ids[0] ?? '0',
      { target: describeTarget(this.config), consumerGroup: this.config.consumerGroup },
      this.config.operationTimeoutMs,
    );
    try {
      await this.releaseOwnRecords();
    } catch (err) {
      // Only a faster restart is lost: the records expire as usual.
      this.log.warn('could not release the ownership records of an earlier run', { error: redactSecrets(describeError(err)) });
    }
  }

  private async releaseOwnRecords(): Promise<void> {
    const store = this.options.checkpointStore;
    const namespace = this.getProducer().fullyQualifiedNamespace;
    const records = await store.listOwnership(namespace, this.config.eventHubName, this.config.consumerGroup);
    const mine = records.filter((r) => r.ownerId === this.options.identifier);
    if (mine.length === 0) return;
    const released = await store.claimOwnership(mine.map((r) => ({ ...r, ownerId: '' })));
    this.log.info('released the partitions an earlier run of this executor owned, to claim them again now', {
      partitions: released.map((r) => r.partitionId).join(','),
    });
  }

  /**
   * Before handing out events: has another executor claimed one of our partitions since the records were
   * last read? (The fence drops those partitions.) A failed read hands out what is buffered: the ledger's
   * fence still keeps a window from running twice.
   */
  private async checkOwnership(): Promise<void> {
    const reading = [...this.partitions.values()].find((p) => p.open);
    if (!reading) return;
    try {
      await this.fence.check(reading.context);
    } catch (err) {
      this.log.debug('reading partition ownership failed', { error: redactSecrets(describeError(err)) });
    }
  }

  async ack(message: ReceivedMessage): Promise<SettleResult> {
    const delivery = this.buffer.settle(message);
    if (!delivery) return { settled: false, reason: 'lease_lost' };
    await this.finish(delivery);
    return { settled: true };
  }

  async nack(message: ReceivedMessage, options: NackOptions): Promise<NackResult> {
    const delivery = this.buffer.settle(message);
    if (!delivery) return { settled: false, reason: 'lease_lost' };
    if (delivery.attempt >= this.config.retry.maximumAttempts) {
      await this.park(delivery, `attempts exhausted (${delivery.attempt}): ${options.reason}`);
      return { settled: true, deadLettered: true };
    }
    this.buffer.redeliverAfter(
      delivery,
      options.retryAfterMs ?? retryDelayMs(this.config.retry, delivery.attempt, undefined, this.options.random),
    );
    return { settled: true };
  }

  async deadLetter(message: ReceivedMessage, reason: string): Promise<SettleResult> {
    const delivery = this.buffer.settle(message);
    if (!delivery) return { settled: false, reason: 'lease_lost' };
    await this.park(delivery, reason);
    return { settled: true };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- a TaskQueue settlement is async; this transport settles in memory
  async release(message: ReceivedMessage): Promise<SettleResult> {
    const delivery = this.buffer.settle(message);
    if (!delivery) return { settled: false, reason: 'lease_lost' };
    // While closing it stays unfinished, before the checkpoint: the partition's next owner reads it again.
    if (!this.closing) this.buffer.pushFront(delivery);
    return { settled: true };
  }

  /** The events parked as undeliverable for this hub and consumer group. */
  listDeadLetters() {
    return this.status.listDeadLetters();
  }

  /** For `latigo status` and the QueueInspector: see HubStatus.depth. */
  depth(): Promise<{ ready: number; leased: number; delayed: number; dead: number }> {
    return this.status.depth();
  }

  /** The most recently parked events, for `latigo status`. */
  deadLetters(limit: number): Promise<{ id: string; reason: string }[]> {
    return this.status.deadLetters(limit);
  }

  /** Writes pending checkpoints, stops reading (handing partitions back to the other executors at once) and disconnects. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    this.watchdog.stop();
    this.buffer.close();
    for (const partition of this.partitions.values()) partition.wake();
    await Promise.all([...this.partitions.values()].map((p) => p.flush()));
    const steps: [string, (() => Promise<void>) | undefined][] = [
      ['subscription', this.subscription && (() => this.subscription!.close())],
      ['consumer', this.consumer && (() => this.consumer!.close())],
      ['producer', this.producer && (() => this.producer!.close())],
    ];
    for (const [name, step] of steps) {
      try {
        await step?.();
      } catch (err) {
        this.log.warn(`closing the event hub ${name} failed`, { error: redactSecrets(describeError(err)) });
      }
    }
  }

  private getProducer(): ProducerLike {
    this.producer ??= this.options.createProducer?.() ?? createProducer(this.config, this.options.identifier);
    return this.producer;
  }

  private getPartitionIds(): Promise<string[]> {
    this.partitionIds ??= this.getProducer()
      .getPartitionIds()
      .catch((err: unknown) => {
        this.partitionIds = undefined;
        throw toProviderError(err, 'eventhub.getPartitionIds');
      });
    return this.partitionIds;
  }

  private subscribe(): void {
    if (this.subscription || this.closing) return;
    const consumer = this.options.createConsumer?.(this.fence) ?? createConsumer(this.config, this.options.identifier, this.fence);
    this.consumer = consumer;
    this.subscription = consumer.subscribe(
      {
        /* eslint-disable @typescript-eslint/require-await -- the SDK takes promise-returning handlers; this bookkeeping is
         synchronous, and async keeps a throw inside the SDK's promise chain */
        processInitialize: async (context) => {
          this.openPartition(context);
        },
        processEvents: (events, context) => this.accept(events, context),
        processError: async (err, context) => this.onReceiveError(err, context.partitionId),
        processClose: async (reason, context) => this.closePartition(context, reason),
        /* eslint-enable @typescript-eslint/require-await */
      },
      {
        startPosition: this.config.startPosition === 'earliest' ? earliestEventPosition : latestEventPosition,
        maxBatchSize: this.config.maxBatchSize,
        maxWaitTimeInSeconds: this.config.maxWaitTimeMs / 1000,
        skipParsingBodyAsJson: true,
      },
    );
    this.watchdog.start();
  }

  /** The StallWatchdog's remedy: a new consumer, which claims the partitions from the checkpoints. */
  private async reconnect(stalledMs: number): Promise<void> {
    if (this.closing || !this.subscription) return;
    this.log.warn('reading no partition since receive errors; reconnecting to the event hub', { stalledMs });
    const [subscription, consumer] = [this.subscription, this.consumer];
    this.subscription = undefined;
    this.consumer = undefined;
    try {
      await subscription.close();
      await consumer?.close();
    } catch (err) {
      this.log.warn('closing the stalled event hub consumer failed', { error: redactSecrets(describeError(err)) });
    }
    this.subscribe();
  }

  private openPartition(context: PartitionContext): OwnedPartition {
    this.partitions.get(context.partitionId)?.close();
    const partition = new OwnedPartition(context, this.config.maxUnsettledPerPartition, (durationMs, err) => {
      if (err === undefined) this.stats.checkpoints++;
      this.options.observer?.providerCall({
        provider: 'task_queue',
        operation: 'updateCheckpoint',
        durationMs,
        ...(err === undefined ? {} : { errorClass: classifyError(err) }),
      });
    });
    this.partitions.set(context.partitionId, partition);
    this.fence.markReading(context.partitionId);
    this.countOwned();
    this.log.info('reading partition', { partitionId: context.partitionId });
    return partition;
  }

  private closePartition(context: PartitionContext, reason: string): void {
    const partition = this.partitions.get(context.partitionId);
    if (!partition || partition.context !== context) return;
    partition.close();
    this.partitions.delete(context.partitionId);
    this.countOwned();
    this.log.info('stopped reading partition', { partitionId: context.partitionId, reason, unfinished: partition.unfinished });
  }

  private countOwned(): void {
    this.stats.partitionsOwned = [...this.partitions.values()].filter((p) => p.open).length;
  }

  /**
   * The fence saw another executor's claim on a partition we read: its buffered events are dropped and its
   * leases lost now, and the pump is stopped at its next processEvents (see `accept`), without waiting for
   * the service's detach to reach the SDK.
   */
  private losePartition(partitionId: string, newOwner: string | undefined, readSince: number): void {
    const partition = this.partitions.get(partitionId);
    // Opened after the read began: our own claim came after the record the read saw.
    if (!partition?.open || partition.openedAt > readSince) return;
    partition.lose();
    this.fence.markDropped(partitionId);
    this.stats.partitionsLost++;
    const dropped = this.buffer.dropPartition(partition);
    this.stats.droppedOnTakeOver += dropped;
    this.countOwned();
    this.log.info('partition claimed by another executor: stopped handing out its events', {
      partitionId,
      newOwner: newOwner ?? '(renewal refused)',
      droppedEvents: dropped,
    });
  }

  /** The SDK's processEvents: buffers the events, then holds the partition's pump while too many are unfinished. */
  private async accept(events: ReceivedEventData[], context: PartitionContext): Promise<void> {
    const known = this.partitions.get(context.partitionId);
    if (known?.lost === true && known.context === context) throw ownershipLost(context.partitionId);
    if (events.length === 0) return;
    const partition = known ?? this.openPartition(context);
    const deliveries: Delivery[] = events.map((event) => ({
      partition,
      event,
      handle: partition.add(event),
      id: String(event.messageId ?? `${partition.id}:${event.sequenceNumber}`),
      body: bodyText(event.body),
      attempt: 1,
    }));
    this.stats.received += deliveries.length;
    this.buffer.push(deliveries);
    await partition.waitForRoom(() => this.closing);
    // Taken over while the pump waited: stop it (the SDK closes the receiver and calls processClose).
    if (partition.lost) throw ownershipLost(context.partitionId);
  }

  private async park(delivery: Delivery, reason: string): Promise<void> {
    const { context } = delivery.partition;
    await this.options.deadLetters.record({
      fullyQualifiedNamespace: context.fullyQualifiedNamespace,
      eventHubName: context.eventHubName,
      consumerGroup: context.consumerGroup,
      partitionId: context.partitionId,
      sequenceNumber: delivery.event.sequenceNumber,
      offset: delivery.event.offset,
      messageId: delivery.id,
      body: delivery.body,
      reason,
      attempts: delivery.attempt,
    });
    this.stats.deadLettered++;
    this.log.warn('event dead-lettered', {
      partitionId: context.partitionId,
      sequenceNumber: delivery.event.sequenceNumber,
      offset: delivery.event.offset,
      messageId: delivery.id,
      reason,
    });
    await this.finish(delivery);
  }

  /** Marks the event finished; the partition moves its checkpoint past the finished prefix, if it grew. */
  private finish(delivery: Delivery): Promise<void> {
    return delivery.partition.finish(delivery.handle);
  }

  private onReceiveError(err: unknown, partitionId: string): void {
    const code = (err as { code?: string }).code ?? (err as Error).name;
    if (code === 'ReceiverDisconnectedError') {
      // Another executor took the partition (the service closed our link). Stop handing out its buffered
      // events now, not when processClose follows (after the pump's last processEvents returned): the new
      // owner reads them from the checkpoint, and running them here too would only duplicate work.
      this.partitions.get(partitionId)?.close();
      this.log.debug('partition taken over by another executor', { partitionId });
      return;
    }
    this.stats.receiveErrors++;
    // Translated: an AggregateError (the SDK's retries exhausted) says nothing until unwrapped; keys redacted.
    const translated = toProviderError(err, 'eventhub.receive');
    this.options.observer?.providerCall({
      provider: 'task_queue',
      operation: 'receive',
      durationMs: 0,
      errorClass: classifyError(translated),
    });
    this.log.warn('event hub receive error', { partitionId: partitionId || undefined, code, error: translated.message });
  }

  private observe(operation: string, t0: number, err?: unknown): void {
    const durationMs = performance.now() - t0;
    this.options.observer?.providerCall({
      provider: 'task_queue',
      operation,
      durationMs,
      ...(err === undefined ? {} : { errorClass: classifyError(err) }),
    });
  }
}

/**
 * Thrown from processEvents to stop a taken-over partition's pump: the SDK reports it to processError and,
 * for this code, stops the pump with CloseReason.OwnershipLost, as for the service's own detach.
 */
function ownershipLost(partitionId: string): Error {
  return Object.assign(new Error(`partition ${partitionId} was claimed by another executor`), {
    name: 'ReceiverDisconnectedError',
    code: 'ReceiverDisconnectedError',
    retryable: false,
  });
}

function bodyText(body: unknown): string {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return typeof body === 'string' ? body : JSON.stringify(body);
}
