import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SchedulerConfig } from '../config/sections.js';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { TaskQueue } from '../contracts/TaskQueue.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { Clock } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { runBackfill, type BackfillOptions, type BackfillSummary } from './backfill.js';
import { listAllModels } from './listModels.js';
import { planMissingWindows, RecordedThrough, TickSpan, tasksOf } from './planWindows.js';
import { createSchedule, dueTickIndices, nextTickIndex, type Schedule } from './ticks.js';
import type { SchedulerObserver } from './SchedulerObserver.js';
import { WindowDispatcher } from './WindowDispatcher.js';

export type { BackfillOptions, BackfillSummary } from './backfill.js';

export interface SchedulerDeps {
  config: SchedulerConfig;
  models: ModelInformationProvider;
  ledger: WindowLedger;
  queue: TaskQueue;
  log: Logger;
  clock: Clock;
  /** Told of every pass (metrics); optional. */
  observer?: SchedulerObserver;
}

/** What one pass did. */
export interface SchedulePassSummary {
  /** The newest tick the pass handled, epoch ms. */
  tickMs: number;
  /** Models listed. */
  models: number;
  /** Windows new to the ledger and sent: the newest tick's plus `catchUpWindows`. */
  windowsQueued: number;
  /** Of those, windows of older ticks (downtime, a model added later, a new revision). */
  catchUpWindows: number;
  /** Planned windows the ledger already had, so not sent again. */
  duplicatesSkipped: number;
  /** Windows recorded earlier but never sent (a crash or failed send), sent now. */
  resent: number;
  /** Listings that failed this pass (logged; retried on the next pass). */
  listingFailures: number;
  durationMs: number;
}

/**
 * Decides which prediction windows exist and queues the ones the ledger lacks (ARCHITECTURE invariant 2).
 * Every pass computes the due ticks in (now - catch_up_horizon, now] and subtracts what the ledger holds,
 * so catch-up after downtime, a restart, a model added later and a new revision need no special case:
 * each is "the ledger lacks these windows". Each task pins the revision the pass listed (invariant 5).
 *
 * Throws ConfigError from the constructor when `time_zone` or `start_time` is invalid.
 */
export class Scheduler {
  private readonly schedule: Schedule;
  private readonly dispatcher: WindowDispatcher;
  private readonly recordedThrough = new RecordedThrough();
  private lastModelCount: number | undefined;

  constructor(private readonly deps: SchedulerDeps) {
    this.schedule = createSchedule(deps.config);
    this.dispatcher = new WindowDispatcher(deps.ledger, deps.queue, deps.config.batchSize);
  }

  /** One pass: resend unsent windows, list the models, queue their missing windows. */
  async runOnce(options: { signal?: AbortSignal } = {}): Promise<SchedulePassSummary> {
    const { ledger, log, clock, config } = this.deps;
    const { signal } = options;
    const started = performance.now();
    const now = clock();
    const resent = await this.dispatcher.resendUnsent(signal);
    const listing = await listAllModels(this.deps.models, log, withSignal(signal));
    const due = dueTickIndices(this.schedule, now, config.catchUpHorizonMs);
    const span = new TickSpan(this.schedule, due.firstK, due.lastK);
    const { plans, alreadyRecorded } = await planMissingWindows(ledger, listing.models, span, this.recordedThrough);

    // The newest tick first, for every model, so live predictions never wait behind a long catch-up.
    const live = await this.dispatcher.dispatch(tasksOf(plans, span, (k) => k === span.lastK), 'schedule', withSignal(signal));
    const catchUp = await this.dispatcher.dispatch(tasksOf(plans, span, (k) => k < span.lastK), 'catch_up', withSignal(signal));
    this.recordedThrough.replace(listing.models, span.lastK);
    await ledger.noteSchedulerTick(config.name, this.schedule.tickMs(span.lastK));

    const summary: SchedulePassSummary = {
      tickMs: this.schedule.tickMs(span.lastK), models: listing.models.length,
      windowsQueued: live.queued + catchUp.queued, catchUpWindows: catchUp.queued,
      duplicatesSkipped: alreadyRecorded + live.duplicates + catchUp.duplicates, resent,
      listingFailures: listing.failures, durationMs: Math.round(performance.now() - started),
    };
    // Idle passes between ticks are routine; a pass that queued something or saw the catalogue change is news.
    const newsworthy = summary.windowsQueued > 0 || resent > 0 || listing.failures > 0 || this.lastModelCount !== summary.models;
    this.lastModelCount = summary.models;
    this.deps.observer?.passFinished(summary);
    const fields = { ...summary, tick: new Date(summary.tickMs).toISOString() };
    if (newsworthy) log.info('schedule pass', fields);
    else log.debug('schedule pass', fields);
    return summary;
  }

  /**
   * Passes until `signal` fires: the first at once when `run_at_once`, otherwise at the next tick; then at
   * every tick, and every `poll_interval` between ticks to pick up new models and revisions. Sleeps between
   * passes (never spins). A failed pass is logged and the loop goes on. Resolves when aborted.
   */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, config, log } = this.deps;
    let dueAt = config.runAtOnce ? clock() : this.nextTickMs(clock());
    while (!signal.aborted) {
      const now = clock();
      if (now >= dueAt) {
        try {
          await this.runOnce({ signal });
        } catch (err) {
          if (signal.aborted) break;
          this.deps.observer?.passFailed();
          log.error('schedule pass failed; retrying next pass', { error: describeError(err) });
        }
        const after = clock();
        dueAt = Math.min(this.nextTickMs(after), after + config.pollIntervalMs);
        continue;
      }
      try {
        // Bounded by the poll interval so an injected clock that jumps ahead is noticed promptly.
        await sleep(Math.min(dueAt - now, config.pollIntervalMs), undefined, { signal });
      } catch {
        break; // aborted
      }
    }
  }

  /**
   * Queues the windows of [fromMs, toMs) (aligned to the schedule's ticks, none in the future) that the
   * ledger lacks, for the selected models, oldest first. Resumable: a rerun skips what is recorded. Paced:
   * waits while too many backfill windows are still 'queued', so live windows are not stuck behind them.
   * Rejects with an AbortError when `signal` fires (a rerun resumes); NotFoundError for unknown models.
   */
  backfill(options: BackfillOptions): Promise<BackfillSummary> {
    return runBackfill({ ...this.deps, schedule: this.schedule }, options);
  }

  private nextTickMs(timeMs: number): number {
    return this.schedule.tickMs(nextTickIndex(this.schedule, timeMs));
  }
}

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
