import type pg from 'pg';
import type { Database } from '../../src/persistence/Database.js';
import { dedicatedClient } from '../../src/persistence/sql/dedicatedClient.js';
import { describeError } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import { retryDelayMs } from '../../src/runtime/retry.js';
import { Wakeups } from './Wakeups.js';

/** The channel DatabaseTaskQueue.send notifies inside its transaction, so listeners wake when it commits. */
export const TASKS_CHANNEL = 'latigo_tasks';

export interface QueueListenerOptions {
  /** Delay before the first attempt to reopen a lost LISTEN connection; doubles per failed attempt. Default 500 ms. */
  reconnectMinMs?: number;
  /** Upper bound of that delay. Default 30 s. */
  reconnectMaxMs?: number;
}

/**
 * Wakes the waiting receivers of one DatabaseTaskQueue on PostgreSQL when a send commits: one long-lived
 * LISTEN connection of its own (outside the pool, with the pool's settings), opened by `start`.
 *
 * A wake-up is a hint, never the only way a message is found: the receivers still poll (a nack's backoff
 * or an expired lease end without a notification, and notifications sent while the connection is down
 * are lost). So a failure here costs latency, not messages: a lost connection is logged once, reopened
 * with backoff, and its return wakes every receiver to look once.
 *
 * `wakeups` counts wake-ups (see Wakeups).
 *
 * The connection lives as long as the database: `start` registers `close` as a close hook of the
 * Database, so closing the database (as every process and test does) ends it too.
 */
export class PostgresQueueListener {
  private readonly wakeupSignal = new Wakeups();
  private client: pg.Client | undefined;
  private state: 'idle' | 'connecting' | 'listening' | 'waiting to reconnect' | 'closed' = 'idle';
  /** Set from the first failure until LISTEN works again: the outage is logged once. */
  private down = false;
  private failedAttempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private removeCloseHook: (() => void) | undefined;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    options: QueueListenerOptions = {},
  ) {
    this.reconnectMinMs = options.reconnectMinMs ?? 500;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 30_000;
  }

  /** Wake-ups so far: notifications, and each time listening (re)started. */
  get wakeups(): number {
    return this.wakeupSignal.count;
  }

  /** Whether the LISTEN connection is up. */
  get listening(): boolean {
    return this.state === 'listening';
  }

  /** Opens the LISTEN connection in the background, once; never throws (failures are logged and retried). */
  start(): void {
    if (this.state !== 'idle') return;
    this.removeCloseHook = this.db.onClose(() => this.close());
    this.connectInBackground();
  }

  /** As Wakeups.wait: at once if woken after `since`, else at the next wake-up or after `timeoutMs`. */
  waitForWakeup(since: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.wakeupSignal.wait(since, timeoutMs, signal);
  }

  /** Ends the LISTEN connection for good. Idempotent; waiting receivers fall back to their poll. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    this.removeCloseHook?.();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private connectInBackground(): void {
    // connect() handles its own failures; this catches a bug, not a connection problem.
    this.connect().catch((err: unknown) => this.log.error('task queue wake-ups stopped', { error: describeError(err) }));
  }

  private async connect(): Promise<void> {
    this.state = 'connecting';
    const client = dedicatedClient(this.db);
    this.client = client;
    // Errors while connecting reject connect(); afterwards a dropped connection emits 'error' (and 'end').
    client.on('error', (err) => this.lost(client, err));
    try {
      await client.connect();
      await client.query(`LISTEN ${TASKS_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.client !== client) return; // closed meanwhile (close() ended the client)
    client.on('end', () => this.lost(client, new Error('the LISTEN connection ended')));
    client.on('notification', (n) => {
      if (n.channel === TASKS_CHANNEL) this.wake();
    });
    this.state = 'listening';
    this.failedAttempts = 0;
    if (this.down) {
      this.down = false;
      this.log.info('task queue wake-ups restored: listening for new tasks again');
    }
    // Notifications sent while nobody listened are lost: every waiting receiver looks once.
    this.wake();
  }

  /** The connection failed or dropped: log the outage once, and try again later. */
  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client || this.state === 'closed') return;
    this.client = undefined;
    client.end().catch(() => {});
    if (!this.down) {
      this.down = true;
      this.log.warn('task queue wake-up connection lost; receivers poll until it is back', { error: describeError(err) });
    }
    this.state = 'waiting to reconnect';
    const delayMs = retryDelayMs(
      { initialIntervalMs: this.reconnectMinMs, backoffCoefficient: 2, maximumIntervalMs: this.reconnectMaxMs, maximumAttempts: Infinity },
      ++this.failedAttempts,
    );
    this.reconnectTimer = setTimeout(() => this.connectInBackground(), delayMs);
    // Reconnecting is no reason to keep a process alive that has nothing else to do.
    this.reconnectTimer.unref();
  }

  private wake(): void {
    this.wakeupSignal.wake();
  }
}
