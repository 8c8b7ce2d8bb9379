import { randomUUID } from 'node:crypto';
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

export interface InMemoryTaskQueueOptions {
  /** Time for visibility and backoff (default Date.now); tests pass a controllable clock. */
  clock?: () => number;
  /** A leased message neither acked nor nacked within this is delivered again (default 60 s). */
  visibilityTimeoutMs?: number;
  /** Deliveries before a nack dead-letters the message (default 5). */
  maxAttempts?: number;
  /** First redelivery delay after a nack without `retryAfterMs`; doubles per attempt (default 1 s). */
  retryBackoffMs?: number;
}

interface StoredMessage {
  readonly id: string;
  readonly partitionKey?: string;
  readonly body: string;
  attempts: number;
  visibleAt: number;
  leaseToken?: string;
  lastError?: string;
  deadReason?: string;
}

/**
 * A faithful in-memory TaskQueue: at-least-once delivery in send order, leases with a visibility timeout
 * (an expired lease is handed to the next receiver and the old token is refused), deduplication by id while
 * a message is present (as the database queue does), nack with exponential backoff, dead-lettering after
 * `maxAttempts`, release without counting the attempt, and the `exhausted` flag on a message leased beyond
 * `maxAttempts` because its leases kept expiring. Everything runs on the injected clock except `waitMs`, which waits in real time.
 */
export class InMemoryTaskQueue implements TaskQueue {
  /** Every message accepted by `send`, in order (duplicates refused by id are not in it). */
  readonly accepted: OutgoingMessage[] = [];
  private readonly messages = new Map<string, StoredMessage>();
  private readonly waiters = new Set<() => void>();
  private readonly clock: () => number;
  private readonly visibilityTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBackoffMs: number;

  constructor(options: InMemoryTaskQueueOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryBackoffMs = options.retryBackoffMs ?? 1_000;
  }

  async send(messages: readonly OutgoingMessage[], options?: CallOptions): Promise<SendResult> {
    options?.signal?.throwIfAborted();
    let sent = 0;
    for (const m of messages) {
      if (this.messages.has(m.id)) continue;
      this.messages.set(m.id, {
        id: m.id,
        body: m.body,
        attempts: 0,
        visibleAt: this.clock(),
        ...(m.partitionKey === undefined ? {} : { partitionKey: m.partitionKey }),
      });
      this.accepted.push(m);
      sent++;
    }
    if (sent > 0) this.wakeReceivers();
    return { sent, duplicates: messages.length - sent };
  }

  async receive(options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      options.signal?.throwIfAborted();
      const leased = this.leaseReady(options.maxMessages);
      if (leased.length > 0 || Date.now() >= deadline) return leased;
      await this.waitForWork(deadline - Date.now(), options.signal);
    }
  }

  async ack(message: ReceivedMessage, options?: CallOptions): Promise<SettleResult> {
    options?.signal?.throwIfAborted();
    const stored = this.holding(message);
    if (!stored) return { settled: false, reason: 'lease_lost' };
    this.messages.delete(stored.id);
    return { settled: true };
  }

  async nack(message: ReceivedMessage, options: NackOptions): Promise<NackResult> {
    options.signal?.throwIfAborted();
    const stored = this.holding(message);
    if (!stored) return { settled: false, reason: 'lease_lost' };
    delete stored.leaseToken;
    stored.lastError = options.reason;
    if (stored.attempts >= this.maxAttempts) {
      stored.deadReason = options.reason;
      return { settled: true, deadLettered: true };
    }
    stored.visibleAt = this.clock() + (options.retryAfterMs ?? this.retryBackoffMs * 2 ** (stored.attempts - 1));
    this.wakeReceivers();
    return { settled: true, deadLettered: false };
  }

  async deadLetter(message: ReceivedMessage, reason: string, options?: CallOptions): Promise<SettleResult> {
    options?.signal?.throwIfAborted();
    const stored = this.holding(message);
    if (!stored) return { settled: false, reason: 'lease_lost' };
    delete stored.leaseToken;
    stored.deadReason = reason;
    return { settled: true };
  }

  async release(message: ReceivedMessage, options?: CallOptions): Promise<SettleResult> {
    options?.signal?.throwIfAborted();
    const stored = this.holding(message);
    if (!stored) return { settled: false, reason: 'lease_lost' };
    delete stored.leaseToken;
    stored.attempts--; // not an attempt: the next delivery carries the same number
    stored.visibleAt = this.clock();
    this.wakeReceivers();
    return { settled: true };
  }

  /** Ids of the messages neither acked nor dead, in delivery order. */
  pendingIds(): string[] {
    return [...this.messages.values()].filter((m) => m.deadReason === undefined).map((m) => m.id);
  }

  /** Queue depth as `latigo status` shows it. */
  stats(): { ready: number; leased: number; dead: number } {
    const now = this.clock();
    let ready = 0,
      leased = 0,
      dead = 0;
    for (const m of this.messages.values()) {
      if (m.deadReason !== undefined) dead++;
      else if (m.leaseToken !== undefined && m.visibleAt > now) leased++;
      else if (m.visibleAt <= now) ready++;
    }
    return { ready, leased, dead };
  }

  /** Dead-lettered messages with their reasons. */
  deadLettered(): { id: string; reason: string }[] {
    return [...this.messages.values()].filter((m) => m.deadReason !== undefined).map((m) => ({ id: m.id, reason: m.deadReason! }));
  }

  private leaseReady(max: number): ReceivedMessage[] {
    const now = this.clock();
    const leased: ReceivedMessage[] = [];
    for (const m of this.messages.values()) {
      if (leased.length >= max) break;
      // A lease ends when settled or when visibleAt passes; an expired lease is simply ready again.
      if (m.deadReason !== undefined || m.visibleAt > now) continue;
      m.attempts++;
      m.leaseToken = randomUUID();
      m.visibleAt = now + this.visibilityTimeoutMs;
      // Leased beyond its attempts: never nacked on the last one, so its leases kept expiring. Flagged for
      // the receiver to dead-letter, as the database queue does.
      const exhausted = m.attempts > this.maxAttempts ? { exhausted: true } : {};
      leased.push({ id: m.id, body: m.body, attempt: m.attempts, leaseToken: m.leaseToken, ...exhausted });
    }
    return leased;
  }

  private holding(message: ReceivedMessage): StoredMessage | undefined {
    const stored = this.messages.get(message.id);
    return stored !== undefined && stored.deadReason === undefined && stored.leaseToken === message.leaseToken ? stored : undefined;
  }

  private waitForWork(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      // Leases expire and backoffs end on the clock without a send, so look again at least every 20 ms.
      const timer = setTimeout(done, Math.max(0, Math.min(ms, 20)));
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wakeReceivers(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
