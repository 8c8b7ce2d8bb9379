import { hostname } from 'node:os';
import type { Clock } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { ProcessCounters } from './ProcessStats.js';
import type { ProcessRegistry } from './ProcessRegistry.js';

export interface HeartbeatOptions {
  registry: ProcessRegistry;
  name: string;
  role: string;
  version: string;
  intervalMs: number;
  /** Rows silent for longer than this are deleted (by whichever process beats). */
  forgetAfterMs: number;
  clock: Clock;
  log: Logger;
  counters?: () => ProcessCounters;
  /** The executor pool the process serves, shown in the executors list. */
  pool?: string;
}

/**
 * Registers this process in the `process` table and refreshes its row every `intervalMs` until stopped.
 * A failed beat is logged once per outage and retried on the next tick: a database hiccup must not stop
 * the process, and a missing heartbeat only makes it look `lost` for a while.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt: number;
  private lastDone = 0;
  private lastBeatAt: number;
  private failing = false;
  private beating: Promise<void> = Promise.resolve();

  constructor(private readonly options: HeartbeatOptions) {
    this.startedAt = options.clock();
    this.lastBeatAt = this.startedAt;
  }

  /** Writes the first beat (so the process is listed at once), then beats on a timer. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating = this.beat();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
  }

  private async beat(): Promise<void> {
    const { registry, clock, log } = this.options;
    const now = clock();
    const counters = this.options.counters?.() ?? { inFlight: 0, done: 0, failed: 0 };
    const finished = counters.done + counters.failed;
    const rate = now > this.lastBeatAt ? ((finished - this.lastDone) * 1000) / (now - this.lastBeatAt) : 0;
    try {
      await registry.beat(
        {
          name: this.options.name,
          role: this.options.role,
          host: hostname(),
          pid: process.pid,
          version: this.options.version,
          startedAt: this.startedAt,
          ...counters,
          rate: Math.round(rate * 1000) / 1000,
          ...(this.options.pool === undefined ? {} : { pool: this.options.pool }),
        },
        now,
      );
      await registry.forget(now - this.options.forgetAfterMs);
      this.lastDone = finished;
      this.lastBeatAt = now;
      if (this.failing) log.info('heartbeat written again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) log.warn('heartbeat not written; retrying', { error: describeError(err) });
      this.failing = true;
    }
  }
}
