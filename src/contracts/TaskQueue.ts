import type { ServiceIdentifier } from 'inversify';
import type { CallOptions } from './CallOptions.js';

export interface OutgoingMessage {
  /** The task id; a queue that can deduplicate by id (the database queue) keeps one message per id. */
  readonly id: string;
  /** Ordering key: messages with the same key are delivered in send order where the queue can. */
  readonly partitionKey?: string;
  readonly body: string;
  /** The lane the message is routed by: its task's model kind (executor pools lease only their lanes). */
  readonly lane?: string;
}

export interface ReceivedMessage {
  readonly id: string;
  readonly body: string;
  /** 1 on first delivery. */
  readonly attempt: number;
  /** Identifies this delivery; ack/nack of a lease that has expired and been handed on is refused. */
  readonly leaseToken: string;
  /**
   * True when the queue gave up redelivering the message: its attempts ran out while its leases kept
   * expiring (the receiver crashed or hung each time, so it was never nacked). The receiver must not run
   * it: it records the failure and dead-letters the message. Queues without leases never set it.
   */
  readonly exhausted?: boolean;
}

export interface ReceiveOptions extends CallOptions {
  /** Most messages to return. */
  maxMessages: number;
  /** Wait up to this long for the first message before resolving with []. */
  waitMs?: number;
  /** Only messages of these lanes (an executor pool's model kinds); every lane when omitted. A queue that
   *  routes by lane elsewhere (Event Hubs: a hub per pool) ignores it. */
  lanes?: readonly string[];
}

export interface SendResult {
  /** Messages accepted now. */
  readonly sent: number;
  /** Messages already present with the same id (queues that deduplicate), not sent again. */
  readonly duplicates: number;
}

export interface NackOptions extends CallOptions {
  /** Why the attempt failed; kept with the message and, once dead, as its dead reason. */
  reason: string;
  /** Redeliver no earlier than this; the queue's own backoff applies when omitted. */
  retryAfterMs?: number;
}

export type SettleResult = { settled: true } | { settled: false; reason: 'lease_lost' };
export type NackResult = SettleResult & { deadLettered?: boolean };

/**
 * Carries tasks from the scheduler to executors with at-least-once delivery: a message leased and
 * neither acked nor nacked within the visibility timeout is delivered again.
 */
export interface TaskQueue {
  send(messages: readonly OutgoingMessage[], options?: CallOptions): Promise<SendResult>;
  /** Leases up to `maxMessages` messages; resolves with [] after `waitMs` when none is ready. */
  receive(options: ReceiveOptions): Promise<ReceivedMessage[]>;
  /** Done: the message is removed. Returns `{ settled: false }` when the lease was lost meanwhile. */
  ack(message: ReceivedMessage, options?: CallOptions): Promise<SettleResult>;
  /** Failed: redelivered later with backoff, or dead-lettered once attempts run out. */
  nack(message: ReceivedMessage, options: NackOptions): Promise<NackResult>;
  /** Never deliverable (malformed, permanent failure): parked with its reason, not retried. */
  deadLetter(message: ReceivedMessage, reason: string, options?: CallOptions): Promise<SettleResult>;
  /**
   * Not attempted: hands the message back for immediate redelivery without counting this delivery as an
   * attempt (the next one carries the same `attempt` number), and never dead-letters it. For a receiver
   * that did no work on it, e.g. one shutting down. Returns `{ settled: false }` when the lease was lost.
   */
  release(message: ReceivedMessage, options?: CallOptions): Promise<SettleResult>;
}
export const TaskQueue: ServiceIdentifier<TaskQueue> = Symbol.for('latigo.TaskQueue');
