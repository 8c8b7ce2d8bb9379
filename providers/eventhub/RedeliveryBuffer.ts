import { randomUUID } from 'node:crypto';
import type { ReceivedEventData } from '@azure/event-hubs';
import type { ReceivedMessage } from '../../src/contracts/TaskQueue.js';
import type { OwnedPartition } from './OwnedPartition.js';

/** One event handed to this executor, and how often it was (the hub counts no attempts: this executor does). */
export interface Delivery {
  readonly partition: OwnedPartition;
  readonly event: ReceivedEventData;
  /** The partition's handle of the event, for finishing it. */
  readonly handle: object;
  readonly id: string;
  readonly body: string;
  /** 1 on first delivery; counted here, restarted at 1 when another executor takes the partition meanwhile. */
  readonly attempt: number;
}

/** The timers the buffer schedules redeliveries with (tests hand in a manual clock). */
export interface RedeliveryTimers {
  setTimeout(run: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: RedeliveryTimers = {
  setTimeout: (run, delayMs) => setTimeout(run, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The executor's side of the hub's events: those ready to hand out, those leased to a receiver (by lease
 * token), those waiting out a nack's backoff, and the receivers waiting for any of them. Deliveries of a
 * partition this executor no longer owns are dropped, not handed out: the next owner reads them again.
 */
export class RedeliveryBuffer {
  private ready: Delivery[] = [];
  private readonly leased = new Map<string, Delivery>();
  private readonly delayed = new Set<unknown>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(private readonly timers: RedeliveryTimers = systemTimers) {}

  /** New events, at the back. */
  push(deliveries: readonly Delivery[]): void {
    if (this.closed) return;
    this.ready.push(...deliveries);
    this.wake();
  }

  /** A released delivery, at the front: redelivered at once with the same attempt. */
  pushFront(delivery: Delivery): void {
    if (this.closed) return;
    this.ready.unshift(delivery);
    this.wake();
  }

  /** A nacked delivery, back after `delayMs` with its attempt counted (unless its partition was lost meanwhile). */
  redeliverAfter(delivery: Delivery, delayMs: number): void {
    const handle = this.timers.setTimeout(() => {
      this.delayed.delete(handle);
      if (!delivery.partition.open || this.closed) return; // the next owner reads it from the checkpoint
      this.push([{ ...delivery, attempt: delivery.attempt + 1 }]);
    }, delayMs);
    this.delayed.add(handle);
  }

  /** Leases up to `max` ready deliveries of partitions still owned. */
  take(max: number): ReceivedMessage[] {
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

  /** Drops the ready deliveries of a partition taken over; returns how many (leased ones are lost on settle). */
  dropPartition(partition: OwnedPartition): number {
    const before = this.ready.length;
    this.ready = this.ready.filter((d) => d.partition !== partition);
    return before - this.ready.length;
  }

  /** The delivery behind a lease, taken out of the leased set; undefined when settled before or its partition was taken over. */
  settle(message: ReceivedMessage): Delivery | undefined {
    const delivery = this.leased.get(message.leaseToken);
    this.leased.delete(message.leaseToken);
    return delivery?.partition.open ? delivery : undefined;
  }

  /** Resolves when a delivery arrives, after `waitMs`, when `signal` fires or when the buffer closes. */
  arrival(waitMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  /** Drops the pending redeliveries (their events stay before the checkpoint) and wakes every waiting receiver. */
  close(): void {
    this.closed = true;
    for (const handle of this.delayed) this.timers.clearTimeout(handle);
    this.delayed.clear();
    this.wake();
  }

  private wake(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
