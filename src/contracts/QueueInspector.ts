import type { ServiceIdentifier } from 'inversify';
import type { CallOptions } from './CallOptions.js';

/** Messages of a queue by state, as an operator sees them. */
export interface QueueDepth {
  /** Deliverable now (including messages whose lease expired). */
  readonly ready: number;
  /** Leased and within their visibility timeout. */
  readonly leased: number;
  /** Waiting out a retry backoff after a nack. */
  readonly delayed: number;
  readonly dead: number;
}

/** A message the queue parked as never deliverable, with the reason it was parked. */
export interface DeadLetter {
  readonly id: string;
  readonly body: string;
  readonly attempts: number;
  readonly reason: string;
  readonly deadAtMs: number;
}

export interface ListDeadLettersOptions extends CallOptions {
  /** Most dead letters to return (newest first). */
  limit: number;
  /** The `next` cursor of the previous page; omitted for the first page. */
  cursor?: string;
}

export interface DeadLetterPage {
  readonly items: readonly DeadLetter[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly next?: string;
}

/** Which dead letters to re-drive: the listed ids, those whose reason contains a text, or all. */
export type RedriveFilter = { readonly ids: readonly string[] } | { readonly reasonContains: string } | { readonly all: true };

/**
 * Optional capability of a task queue: its depth by state, its dead letters, and re-drive (a dead letter
 * is delivered again as a fresh message with its attempts reset). Bound by the queue modules that can;
 * looked up by token, never probed by shape.
 */
export interface QueueInspector {
  depth(options?: CallOptions): Promise<QueueDepth>;
  deadLetters(options: ListDeadLettersOptions): Promise<DeadLetterPage>;
  /** Re-drives the matching dead letters; resolves with how many went back to the queue. */
  redrive(filter: RedriveFilter, options?: CallOptions): Promise<{ redriven: number }>;
  /** Retention: forgets the dead letters parked before `cutoffMs` (epoch ms); resolves with how many. */
  pruneDeadLetters(cutoffMs: number, options?: CallOptions): Promise<{ pruned: number }>;
  /** Ready messages per lane (executor pools: the model kind of their task), for queues that route by lane. */
  readyByLane?(options?: CallOptions): Promise<Readonly<Record<string, number>>>;
  /** Ready messages per executor pool, for queues that keep a backlog per pool but cannot count by kind (a hub per pool). */
  readyByPool?(options?: CallOptions): Promise<Readonly<Record<string, number>>>;
}
export const QueueInspector: ServiceIdentifier<QueueInspector> = Symbol.for('latigo.QueueInspector');
