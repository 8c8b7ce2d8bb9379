import type { SchedulerConfig } from '../../../src/config/sections.js';
import type { CallOptions } from '../../../src/contracts/CallOptions.js';
import type { OutgoingMessage, SendResult, TaskQueue } from '../../../src/contracts/TaskQueue.js';
import type { PredictionTask } from '../../../src/domain/Task.js';
import { decodeTask } from '../../../src/domain/taskCodec.js';
import type { ModelSummary } from '../../../src/domain/ModelDescription.js';
import type { OpenDatabase as Database } from '../../../src/persistence/dataSource.js';
import { ProviderError } from '../../../src/runtime/errors.js';
import { WindowLedger } from '../../../src/ledger/WindowLedger.js';
import { Scheduler } from '../../../src/scheduler/Scheduler.js';
import { SensorWatermarks } from '../../../src/ingest/SensorWatermarks.js';
import { InMemoryModelCatalog } from '../../fakes/InMemoryModelCatalog.js';
import { InMemoryTaskQueue } from '../../fakes/InMemoryTaskQueue.js';
import { RecordingLogger } from '../../fakes/RecordingLogger.js';
import { openLedgerDatabase, type LedgerDatabase } from '../ledger/ledgerDatabase.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const at = (iso: string): number => Date.parse(iso);
export const iso = (ms: number): string => new Date(ms).toISOString();

export function schedulerConfig(overrides: Partial<SchedulerConfig> = {}): SchedulerConfig {
  return {
    name: 'default',
    startTime: '2026-01-01T00:00:00',
    timeZone: 'UTC',
    intervalMs: 10 * MIN,
    delayMs: MIN,
    runAtOnce: true,
    catchUpHorizonMs: HOUR,
    pollIntervalMs: 15_000,
    batchSize: 100,
    minIntervalMs: 1_000,
    maxWindowsPerPass: 20_000,
    windowRetentionMs: 0,
    deadLetterRetentionMs: 0,
    retentionIntervalMs: 3_600_000,
    backfill: { executorShare: 0.5, windowsPerMinute: 0, pollIntervalMs: 250, leaseMs: 30_000 },
    eventRetentionMs: 0,
    eventMaxRows: 0,
    sensorWriteRetentionMs: 0,
    ...overrides,
  };
}

export function models(count: number, project = 'plant', revision = 'r1'): ModelSummary[] {
  return Array.from({ length: count }, (_, i) => ({ project, name: `model-${String(i).padStart(4, '0')}`, revision }));
}

/**
 * Wraps the queue the scheduler sends to: records every message offered (duplicates included, so a
 * double send shows even though the queue itself deduplicates) and can fail the next sends.
 */
export class OfferRecordingQueue {
  readonly offered: OutgoingMessage[] = [];
  readonly sendSizes: number[] = [];
  private failures = 0;
  constructor(readonly inner: InMemoryTaskQueue) {}

  /** The next `count` sends reject with a retryable ProviderError, as an unreachable queue does. */
  failNextSends(count: number): void {
    this.failures = count;
  }

  readonly queue: TaskQueue = {
    send: async (messages: readonly OutgoingMessage[], options?: CallOptions): Promise<SendResult> => {
      if (this.failures > 0) {
        this.failures--;
        throw new ProviderError('queue unreachable', { retryable: true });
      }
      this.offered.push(...messages);
      this.sendSizes.push(messages.length);
      return this.inner.send(messages, options);
    },
    receive: (options) => this.inner.receive(options),
    ack: (message, options) => this.inner.ack(message, options),
    nack: (message, options) => this.inner.nack(message, options),
    deadLetter: (message, reason, options) => this.inner.deadLetter(message, reason, options),
    release: (message, options) => this.inner.release(message, options),
  };
}

/**
 * A scheduler world on a real migrated SQLite file: a controllable clock (`world.now`), a mutable model
 * catalogue and an in-memory queue. `scheduler()` builds a fresh Scheduler (a restart: no memory carried
 * over), optionally on its own database connection as a second process would have.
 */
export class SchedulerWorld {
  now: number;
  readonly catalog = new InMemoryModelCatalog();
  readonly queue: InMemoryTaskQueue;
  readonly sends: OfferRecordingQueue;
  readonly log = new RecordingLogger();
  readonly ledger: WindowLedger;

  private constructor(
    private readonly store: LedgerDatabase,
    now: number,
  ) {
    this.now = now;
    this.queue = new InMemoryTaskQueue({ clock: () => this.now });
    this.sends = new OfferRecordingQueue(this.queue);
    this.ledger = new WindowLedger(store.db, this.clock);
  }

  /** The world's database (its first connection). */
  get db(): Database {
    return this.store.db;
  }

  static async create(now: number): Promise<SchedulerWorld> {
    return new SchedulerWorld(await openLedgerDatabase(), now);
  }

  readonly clock = (): number => this.now;

  scheduler(config: Partial<SchedulerConfig> = {}, options: { queue?: TaskQueue; db?: Database } = {}): Scheduler {
    const ledger = options.db === undefined ? this.ledger : new WindowLedger(options.db, this.clock);
    return new Scheduler({
      config: schedulerConfig(config),
      models: this.catalog,
      ledger,
      queue: options.queue ?? this.sends.queue,
      log: this.log,
      clock: this.clock,
      writeLog: this.writeLog,
    });
  }

  /** Ingest's watermarks and write log in the world's database, on its clock. */
  get writeLog(): SensorWatermarks {
    return new SensorWatermarks(this.store.db, this.clock);
  }

  /** A connection of its own to the same file, as a restarted process has. */
  reopen(): Promise<Database> {
    return this.store.reopen();
  }

  /** Every task the queue accepted, decoded, in send order. */
  sent(): PredictionTask[] {
    return this.queue.accepted.map((m) => decodeTask(m.body));
  }

  /** Ids offered to the queue more than once. */
  offeredTwice(): string[] {
    const seen = new Set<string>();
    const twice: string[] = [];
    for (const m of this.sends.offered) {
      if (seen.has(m.id)) twice.push(m.id);
      seen.add(m.id);
    }
    return twice;
  }

  /** Window starts of the sent tasks of one model, as ISO text, in send order. */
  sentWindows(model: string, revision?: string): string[] {
    return this.sent()
      .filter((t) => t.model === model && (revision === undefined || t.revision === revision))
      .map((t) => iso(t.window.fromMs));
  }

  cleanup(): Promise<void> {
    return this.store.cleanup();
  }
}
