import { randomUUID } from 'node:crypto';
import type {
  CallOptions,
  NackOptions,
  NackResult,
  OutgoingMessage,
  ReceivedMessage,
  ReceiveOptions,
  SendResult,
  SettleResult,
  TaskQueue,
} from '../../src/contracts/index.js';
import { InMemoryTaskQueue, type InMemoryTaskQueueOptions } from './InMemoryTaskQueue.js';

/**
 * An InMemoryTaskQueue that records every settlement and receive, so tests can assert what an executor
 * did with each message (acked, nacked with which reason and delay, dead-lettered with which reason, released).
 */
export class RecordingTaskQueue implements TaskQueue {
  readonly acked: ReceivedMessage[] = [];
  readonly nacked: { message: ReceivedMessage; options: NackOptions; result: NackResult }[] = [];
  readonly deadLettered: { message: ReceivedMessage; reason: string }[] = [];
  /** Every release, settled or not. */
  readonly released: { message: ReceivedMessage; result: SettleResult }[] = [];
  /** The `maxMessages` of every receive, in order. */
  readonly receives: number[] = [];
  readonly inner: InMemoryTaskQueue;

  constructor(options: InMemoryTaskQueueOptions = {}) {
    this.inner = new InMemoryTaskQueue(options);
  }

  send(messages: readonly OutgoingMessage[], options?: CallOptions): Promise<SendResult> {
    return this.inner.send(messages, options);
  }

  /** Enqueues a raw body (e.g. a malformed one) under a fresh id; returns the id. */
  async push(body: string): Promise<string> {
    const id = randomUUID();
    await this.inner.send([{ id, body }]);
    return id;
  }

  receive(options: ReceiveOptions): Promise<ReceivedMessage[]> {
    this.receives.push(options.maxMessages);
    return this.inner.receive(options);
  }

  async ack(message: ReceivedMessage, options?: CallOptions): Promise<SettleResult> {
    const result = await this.inner.ack(message, options);
    if (result.settled) this.acked.push(message);
    return result;
  }

  async nack(message: ReceivedMessage, options: NackOptions): Promise<NackResult> {
    const result = await this.inner.nack(message, options);
    this.nacked.push({ message, options, result });
    return result;
  }

  async deadLetter(message: ReceivedMessage, reason: string, options?: CallOptions): Promise<SettleResult> {
    const result = await this.inner.deadLetter(message, reason, options);
    if (result.settled) this.deadLettered.push({ message, reason });
    return result;
  }

  async release(message: ReceivedMessage, options?: CallOptions): Promise<SettleResult> {
    const result = await this.inner.release(message, options);
    this.released.push({ message, result });
    return result;
  }

  /** Messages neither acked nor dead. */
  get pending(): number {
    return this.inner.pendingIds().length;
  }
}
