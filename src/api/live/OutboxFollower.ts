import type pg from 'pg';
import { EVENTS_CHANNEL, type EventOutbox } from '../../events/EventOutbox.js';
import type { StoredEvent } from '../../events/eventTypes.js';
import type { Database } from '../../persistence/Database.js';
import { dedicatedClient } from '../../persistence/sql/dedicatedClient.js';
import { describeError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';

/** Events per read of the outbox. */
const PAGE = 1_000;
/** PostgreSQL: NOTIFY wakes the follower; this slower poll only covers a lost LISTEN connection. */
const POSTGRES_POLL_FLOOR_MS = 2_000;

export interface OutboxFollowerOptions {
  /** How often to read when nothing woke the follower (SQLite: the only wake-up). */
  readonly pollIntervalMs: number;
  readonly log: Logger;
  /** PostgreSQL: delay before reopening a lost LISTEN connection. */
  readonly reconnectMs?: number;
}

/**
 * The api process's one reader of the event outbox: reads every event once, in id order, from where it
 * started (the newest id then) and hands each page to its listeners (the live feed's connections). On
 * PostgreSQL a LISTEN connection of its own wakes it at every append's commit; on SQLite it polls.
 * Read failures are logged once and retried at the next poll: the cursor stays, so nothing is skipped.
 */
export class OutboxFollower {
  private cursorId = 0;
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>();
  private stopped = true;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;
  private failing = false;
  private listenClient: pg.Client | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly outbox: EventOutbox,
    private readonly options: OutboxFollowerOptions,
  ) {}

  /** The id of the newest event handed to the listeners (or the newest at start). */
  get cursor(): number {
    return this.cursorId;
  }

  /** Starts following from the newest event now in the outbox. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.cursorId = await this.outbox.latestId();
    this.stopped = false;
    if (this.db.dialect === 'postgres') this.listen();
    this.loop = this.follow();
  }

  /** Calls `listener` with every page of new events; returns the function that removes it. */
  onEvents(listener: (events: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads at once (PostgreSQL's NOTIFY calls it; tests may too). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.wake();
    await this.loop;
    const client = this.listenClient;
    this.listenClient = undefined;
    await client?.end().catch(() => {});
  }

  private async follow(): Promise<void> {
    const pollMs =
      this.db.dialect === 'postgres' ? Math.max(this.options.pollIntervalMs, POSTGRES_POLL_FLOOR_MS) : this.options.pollIntervalMs;
    while (!this.stopped) {
      this.woken = false;
      await this.readAll();
      if (this.stopped || this.woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async readAll(): Promise<void> {
    try {
      for (;;) {
        const page = await this.outbox.readSince(this.cursorId, { limit: PAGE });
        this.cursorId = page.nextId;
        if (page.events.length > 0) {
          for (const listener of this.listeners) {
            try {
              listener(page.events);
            } catch (err) {
              this.options.log.error('a live feed listener failed', { error: describeError(err) });
            }
          }
        }
        if (page.events.length < PAGE || this.stopped) break;
      }
      if (this.failing) {
        this.failing = false;
        this.options.log.info('reading the event outbox works again');
      }
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        this.options.log.warn('cannot read the event outbox; retrying at the next poll', { error: describeError(err) });
      }
    }
  }

  /** PostgreSQL: a LISTEN connection outside the pool; lost, it is reopened after `reconnectMs`. */
  private listen(): void {
    if (this.stopped) return;
    const client = dedicatedClient(this.db);
    this.listenClient = client;
    const lost = (err: unknown) => {
      if (this.listenClient !== client) return;
      this.listenClient = undefined;
      client.end().catch(() => {});
      if (this.stopped) return;
      this.options.log.warn('live feed LISTEN connection lost; polling until it is back', { error: describeError(err) });
      this.reconnectTimer = setTimeout(() => this.listen(), this.options.reconnectMs ?? 1_000);
      this.reconnectTimer.unref();
    };
    client.on('error', lost);
    client.on('notification', (n) => {
      if (n.channel === EVENTS_CHANNEL) this.wake();
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${EVENTS_CHANNEL}`))
      .then(() => {
        client.on('end', () => lost(new Error('the LISTEN connection ended')));
        this.wake(); // what was appended while nobody listened
      })
      .catch(lost);
  }
}
