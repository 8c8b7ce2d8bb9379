import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  earliestEventPosition, latestEventPosition, type CheckpointStore, type EventHubConsumerClient,
  type EventHubProducerClient, type PartitionContext, type ReceivedEventData, type Subscription,
} from '@azure/event-hubs';
import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type {
  NackOptions, NackResult, OutgoingMessage, ReceivedMessage, ReceiveOptions, SendResult, SettleResult, TaskQueue,
} from '../../src/contracts/TaskQueue.js';
import { encodeTask } from '../../src/domain/Task.js';
import { classifyError, describeError, ProviderError, throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import { retryDelayMs } from '../../src/runtime/retry.js';
import { createConsumer, createProducer, describeTarget } from './client.js';
import type { EventHubQueueConfig } from './config.js';
import type { DeadLetterLog } from './DeadLetterLog.js';
import { describeStartupFailure, redactSecrets, toProviderError } from './errors.js';
import { OwnedPartition } from './OwnedPartition.js';
import { CurrentRevisions, parsePythonTask, type PythonTask } from './pythonTask.js';
import { sendTasks } from './sendTasks.js';

/** The calls this queue makes on the SDK's clients (tests may hand in their own). */
export type ProducerLike = Pick<EventHubProducerClient, 'createBatch' | 'sendBatch' | 'getPartitionIds' | 'getPartitionProperties' | 'fullyQualifiedNamespace' | 'close'>;
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
  /** The current revision of a model: pins Python latigo tasks, which name none. Without it they are dead-lettered. */
  currentRevision?: (project: string, model: string) => Promise<string>;
  /** Told of each send and checkpoint write (with its duration) and of each receive error, for metrics. */
  observer?: QueueCallObserver;
  createProducer?: () => ProducerLike;
  createConsumer?: (store: CheckpointStore) => ConsumerLike;
  random?: () => number;
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
  partitionsOwned: number;
}

interface Delivery {
  readonly partition: OwnedPartition;
  readonly event: ReceivedEventData;
  readonly handle: object;
  readonly id: string;
  readonly body: string;
  readonly attempt: number;
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
 */
export class EventHubsTaskQueue implements TaskQueue {
  private readonly config: EventHubQueueConfig;
  private readonly log: Logger;
  private readonly partitions = new Map<string, OwnedPartition>();
  private ready: Delivery[] = [];
  private readonly leased = new Map<string, Delivery>();
  private readonly arrivalWaiters = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly revisions: CurrentRevisions | undefined;
  private producer: ProducerLike | undefined;
  private partitionIds: Promise<string[]> | undefined;
  private consumer: ConsumerLike | undefined;
  private subscription: Subscription | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Since when no partition has been read after receive errors (see checkStalled). */
  private stalledSince: number | undefined;
  private errorsWhileReading = 0;
  private closing = false;
  private closed: Promise<void> | undefined;
  readonly stats: EventHubsQueueStats = { sent: 0, batchesSent: 0, received: 0, checkpoints: 0, deadLettered: 0, receiveErrors: 0, partitionsOwned: 0 };

  private constructor(private readonly options: EventHubsTaskQueueOptions) {
    this.config = options.config;
    this.log = options.log;
    this.revisions = options.currentRevision && new CurrentRevisions(options.currentRevision);
  }

  /**
   * Connects and reads the hub's partitions, so a wrong connection string, a missing hub or refused
   * credentials stop start-up with a ProviderError saying which (never retryable) and no secret in it.
   */
  static async create(options: EventHubsTaskQueueOptions): Promise<EventHubsTaskQueue> {
    const queue = new EventHubsTaskQueue(options);
    try {
      const ids = await queue.getPartitionIds();
      options.log.info('event hub reachable', { target: describeTarget(options.config), partitions: ids.length, consumerGroup: options.config.consumerGroup });
    } catch (err) {
      await queue.close().catch(() => undefined);
      const sdkError = err instanceof ProviderError && err.cause !== undefined ? err.cause : err;
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
        format: this.config.messageFormat, ...(options?.signal ? { signal: options.signal } : {}),
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
    this.subscribe();
    const taken = this.take(options.maxMessages);
    if (taken.length > 0 || !options.waitMs) return taken;
    await this.arrival(options.waitMs, options.signal);
    return this.take(options.maxMessages);
  }

  async ack(message: ReceivedMessage): Promise<SettleResult> {
    const delivery = this.settle(message);
    if (!delivery) return { settled: false, reason: 'lease_lost' };
    await this.finish(delivery);
    return { settled: true };
  }

  async nack(message: ReceivedMessage, options: NackOptions): Promise<NackResult> {
    const delivery = this.settle(message);
    if (!delivery) return { settled: false, reason: 'lease_lost' };
    if (delivery.attempt >= this.config.maxAttempts) {
      await this.park(delivery, `attempts exhausted (${delivery.attempt}): ${options.reason}`);
      return { settled: true, deadLettered: true };
    }
    const policy = { initialIntervalMs: this.config.retryBackoffMs, backoffCoefficient: 2, maximumIntervalMs: this.config.maxRetryBackoffMs, maximumAttempts: this.config.maxAttempts };
    const delayMs = options.retryAfterMs ?? retryDelayMs(policy, delivery.attempt, undefined, this.options.random);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!delivery.partition.open || this.closing) return; // the next owner reads it from the checkpoint
      this.ready.push({ ...delivery, attempt: delivery.attempt + 1 });
      this.notifyArrival();
    }, delayMs);
    this.timers.add(timer);
    return { settled: true };
  }

  async deadLetter(message: ReceivedMessage, reason: string): Promise<SettleResult> {
    const delivery = this.settle(message);
    if (!delivery) return { settled: false, reason: 'lease_lost' };
    await this.park(delivery, reason);
    return { settled: true };
  }

  async release(message: ReceivedMessage): Promise<SettleResult> {
    const delivery = this.settle(message);
    if (!delivery) return { settled: false, reason: 'lease_lost' };
    // While closing it stays unfinished, before the checkpoint: the partition's next owner reads it again.
    if (!this.closing) {
      this.ready.unshift(delivery);
      this.notifyArrival();
    }
    return { settled: true };
  }

  /** The events parked as undeliverable for this hub and consumer group. */
  listDeadLetters() {
    return this.options.deadLetters.list(this.config.eventHubName, this.config.consumerGroup);
  }

  /**
   * For `latigo status`: `ready` is the consumer group's backlog, the events of every partition after its
   * checkpoint (events being worked on by executors included: a hub cannot tell them apart); `dead` counts
   * the parked events. `leased` and `delayed` are per executor process and reported as 0.
   */
  async depth(): Promise<{ ready: number; leased: number; delayed: number; dead: number }> {
    try {
      const producer = this.getProducer();
      const ids = await this.getPartitionIds();
      const [partitions, checkpoints, dead] = await Promise.all([
        Promise.all(ids.map((id) => producer.getPartitionProperties(id))),
        this.options.checkpointStore.listCheckpoints(producer.fullyQualifiedNamespace, this.config.eventHubName, this.config.consumerGroup),
        this.options.deadLetters.count(this.config.eventHubName, this.config.consumerGroup),
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

  /** The most recently parked events, for `latigo status`. */
  async deadLetters(limit: number): Promise<{ id: string; reason: string }[]> {
    const parked = await this.listDeadLetters();
    return parked.slice(-limit).reverse().map((d) => ({ id: d.messageId ?? `${d.partitionId}:${d.sequenceNumber}`, reason: d.reason }));
  }

  /** Writes pending checkpoints, stops reading (handing partitions back to the other executors at once) and disconnects. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.watchdog);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.arrivalWaiters) wake();
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
    this.partitionIds ??= this.getProducer().getPartitionIds().catch((err: unknown) => {
      this.partitionIds = undefined;
      throw toProviderError(err, 'eventhub.getPartitionIds');
    });
    return this.partitionIds;
  }

  private subscribe(): void {
    if (this.subscription || this.closing) return;
    const consumer = this.options.createConsumer?.(this.options.checkpointStore)
      ?? createConsumer(this.config, this.options.identifier, this.options.checkpointStore);
    this.consumer = consumer;
    this.subscription = consumer.subscribe({
      processInitialize: async (context) => { this.openPartition(context); },
      processEvents: (events, context) => this.accept(events, context),
      processError: async (err, context) => this.onReceiveError(err, context.partitionId),
      processClose: async (reason, context) => this.closePartition(context, reason),
    }, {
      startPosition: this.config.startPosition === 'earliest' ? earliestEventPosition : latestEventPosition,
      maxBatchSize: this.config.maxBatchSize,
      maxWaitTimeInSeconds: this.config.maxWaitTimeMs / 1000,
      skipParsingBodyAsJson: true,
    });
    this.watchdog ??= setInterval(() => void this.checkStalled(), this.config.loadBalancing.updateIntervalMs).unref();
  }

  /**
   * After a long outage the SDK's pumps stop (their retries exhausted) and its load-balancing loop, whose
   * management read ignores our retry options, may sleep 30 s or more before claiming partitions again.
   * When this executor has read no partition since receive errors for longer than an ownership expiry
   * (plus two loops), it reconnects with a new consumer, which claims the partitions from the checkpoints.
   */
  private async checkStalled(): Promise<void> {
    if (this.closing || !this.subscription) return;
    const reading = [...this.partitions.values()].some((p) => p.open);
    if (reading || this.stats.receiveErrors === this.errorsWhileReading) {
      if (reading) this.errorsWhileReading = this.stats.receiveErrors;
      this.stalledSince = undefined;
      return;
    }
    const now = Date.now();
    this.stalledSince ??= now;
    const { ownershipExpirationMs, updateIntervalMs } = this.config.loadBalancing;
    if (now - this.stalledSince < ownershipExpirationMs + 2 * updateIntervalMs) return;
    this.log.warn('reading no partition since receive errors; reconnecting to the event hub', { stalledMs: now - this.stalledSince });
    this.stalledSince = undefined;
    this.errorsWhileReading = this.stats.receiveErrors;
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
      this.options.observer?.providerCall({ provider: 'task_queue', operation: 'updateCheckpoint', durationMs, ...(err === undefined ? {} : { errorClass: classifyError(err) }) });
    });
    this.partitions.set(context.partitionId, partition);
    this.stats.partitionsOwned = this.partitions.size;
    this.log.info('reading partition', { partitionId: context.partitionId });
    return partition;
  }

  private closePartition(context: PartitionContext, reason: string): void {
    const partition = this.partitions.get(context.partitionId);
    if (!partition || partition.context !== context) return;
    partition.close();
    this.partitions.delete(context.partitionId);
    this.stats.partitionsOwned = this.partitions.size;
    this.log.info('stopped reading partition', { partitionId: context.partitionId, reason, unfinished: partition.unfinished });
  }

  /** The SDK's processEvents: buffers the events, then holds the partition's pump while too many are unfinished. */
  private async accept(events: ReceivedEventData[], context: PartitionContext): Promise<void> {
    if (events.length === 0) return;
    const partition = this.partitions.get(context.partitionId) ?? this.openPartition(context);
    for (const event of events) {
      this.stats.received++;
      const handle = partition.add(event);
      const body = bodyText(event.body);
      const delivery: Delivery = { partition, event, handle, id: String(event.messageId ?? `${partition.id}:${event.sequenceNumber}`), body, attempt: 1 };
      const python = parsePythonTask(body);
      if (python === undefined) {
        this.ready.push(delivery);
        continue;
      }
      try {
        this.ready.push(await this.fromPython(delivery, python));
      } catch (err) {
        await this.park(delivery, `python task for ${python.project}/${python.model}: no current revision: ${describeError(err)}`)
          .catch((parkErr: unknown) => this.log.error('could not dead-letter a python task', { partitionId: partition.id, error: describeError(parkErr) }));
      }
    }
    this.notifyArrival();
    await partition.waitForRoom(() => this.closing);
  }

  /** A Python latigo task, pinned to the model's current revision. */
  private async fromPython(delivery: Delivery, python: PythonTask): Promise<Delivery> {
    if (!this.revisions) throw new Error('this executor has no model catalogue to pin revisions');
    const task = await this.revisions.pin(python);
    return { ...delivery, id: task.id, body: encodeTask(task) };
  }

  private take(max: number): ReceivedMessage[] {
    const taken: ReceivedMessage[] = [];
    while (taken.length < max && this.ready.length > 0) {
      const delivery = this.ready.shift()!;
      if (!delivery.partition.open) continue;
      const leaseToken = randomUUID();
      this.leased.set(leaseToken, delivery);
      taken.push({ id: delivery.id, body: delivery.body, attempt: delivery.attempt, leaseToken });
    }
    return taken;
  }

  private arrival(waitMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.arrivalWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener('abort', done, { once: true });
      this.arrivalWaiters.add(done);
    });
  }

  private notifyArrival(): void {
    for (const wake of [...this.arrivalWaiters]) wake();
  }

  /** The delivery behind a lease, taken out of the leased set; undefined when its partition was taken over. */
  private settle(message: ReceivedMessage): Delivery | undefined {
    const delivery = this.leased.get(message.leaseToken);
    this.leased.delete(message.leaseToken);
    return delivery?.partition.open ? delivery : undefined;
  }

  private async park(delivery: Delivery, reason: string): Promise<void> {
    const { context } = delivery.partition;
    await this.options.deadLetters.record({
      fullyQualifiedNamespace: context.fullyQualifiedNamespace, eventHubName: context.eventHubName, consumerGroup: context.consumerGroup,
      partitionId: context.partitionId, sequenceNumber: delivery.event.sequenceNumber, offset: delivery.event.offset,
      messageId: delivery.id, body: delivery.body, reason, attempts: delivery.attempt,
    });
    this.stats.deadLettered++;
    this.log.warn('event dead-lettered', {
      partitionId: context.partitionId, sequenceNumber: delivery.event.sequenceNumber, offset: delivery.event.offset, messageId: delivery.id, reason,
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
    this.options.observer?.providerCall({ provider: 'task_queue', operation: 'receive', durationMs: 0, errorClass: classifyError(translated) });
    this.log.warn('event hub receive error', { partitionId: partitionId || undefined, code, error: translated.message });
  }

  private observe(operation: string, t0: number, err?: unknown): void {
    const durationMs = performance.now() - t0;
    this.options.observer?.providerCall({ provider: 'task_queue', operation, durationMs, ...(err === undefined ? {} : { errorClass: classifyError(err) }) });
  }
}

function bodyText(body: unknown): string {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return typeof body === 'string' ? body : JSON.stringify(body);
}
