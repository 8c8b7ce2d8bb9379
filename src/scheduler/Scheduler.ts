import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SchedulerConfig } from '../config/sections.js';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { QueueInspector } from '../contracts/QueueInspector.js';
import type { TaskQueue } from '../contracts/TaskQueue.js';
import { MAX_NAME_LENGTH, nameLengthProblem } from '../domain/limits.js';
import type { ModelSummary } from '../domain/ModelDescription.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { Clock } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { runBackfill, type BackfillOptions, type BackfillSummary } from './backfill.js';
import { listAllModels } from './listModels.js';
import type { ModelTriggerPlanner } from './ModelTriggerPlanner.js';
import { planMissingWindows, RecordedThrough, TickSpan, tasksOf, type PlanMode } from './planWindows.js';
import { createSchedule, dueTickIndices, nextTickIndex, type Schedule } from './ticks.js';
import type { SchedulerObserver } from './SchedulerObserver.js';
import { WindowDispatcher } from './WindowDispatcher.js';
import { ModelLanes } from './ModelLanes.js';
import { trainingKey, type ModelTrainingStore } from '../ledger/ModelTrainingStore.js';

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
  /** The queue's inspector, when its module declares one: retention prunes its dead letters. */
  inspector?: QueueInspector;
  /** Plans the models with a trigger of their own (ModelSummary.trigger); without it they get no windows. */
  triggers?: ModelTriggerPlanner;
  /** Ingest's write log (SensorWatermarks): retention prunes it (`sensor_write_retention`). */
  writeLog?: { pruneWrites(beforeMs: number): Promise<number> };
  /** The training journal of defined models: a revision it holds as not ready gets no windows yet. */
  training?: ModelTrainingStore;
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
  private readonly lanes: ModelLanes;
  private readonly recordedThrough = new RecordedThrough();
  private lastModelCount: number | undefined;
  private readonly refusedModels = new Set<string>();
  private nextPruneAt = 0;
  private warnedNoTriggers = false;
  private readonly saidUntrained = new Set<string>();

  constructor(private readonly deps: SchedulerDeps) {
    this.schedule = createSchedule(deps.config);
    this.lanes = new ModelLanes(deps.models);
    this.dispatcher = new WindowDispatcher(deps.ledger, deps.queue, deps.config.batchSize, this.lanes);
  }

  /**
   * One pass: resend unsent windows, list the models, queue their missing windows, at most
   * `max_windows_per_pass` of them (the rest on the next passes). With `mode: 'replan'` (`latigo replan`)
   * windows of the horizon that history already covers under another schedule are planned too.
   */
  async runOnce(options: { signal?: AbortSignal; mode?: PlanMode } = {}): Promise<SchedulePassSummary> {
    const { ledger, log, clock, config } = this.deps;
    const { signal } = options;
    const started = performance.now();
    const now = clock();
    const resent = await this.dispatcher.resendUnsent(signal);
    const listing = await listAllModels(this.deps.models, log, withSignal(signal));
    this.lanes.remember(listing.models);
    const storable = this.storableModels(await this.trainedModels(listing.models));
    // Models with a trigger of their own are planned by the trigger planner, after the clock's windows.
    const models = storable.filter((m) => m.trigger === undefined);
    const triggered = storable.filter((m) => m.trigger !== undefined);
    const due = dueTickIndices(this.schedule, now, config.catchUpHorizonMs);
    const span = new TickSpan(this.schedule, due.firstK, due.lastK);
    const memory = options.mode === 'replan' ? undefined : this.recordedThrough;
    const { plans, alreadyRecorded } = await planMissingWindows(ledger, models, span, memory, options.mode);

    // The newest tick first, for every model, so live predictions never wait behind a long catch-up.
    const budget = { left: config.maxWindowsPerPass };
    const live = await this.dispatcher.dispatch(
      limited(
        tasksOf(plans, span, (k) => k === span.lastK),
        budget,
      ),
      'schedule',
      withSignal(signal),
    );
    const catchUp = await this.dispatcher.dispatch(
      limited(
        tasksOf(plans, span, (k) => k < span.lastK),
        budget,
      ),
      'catch_up',
      withSignal(signal),
    );
    if (budget.left < 0) {
      // Planned windows were left over: no marks, so the next pass compares every model with the ledger again.
      this.recordedThrough.replace([], span.lastK);
      log.warn('schedule pass stopped at scheduler.max_windows_per_pass; the next pass continues', {
        maxWindowsPerPass: config.maxWindowsPerPass,
      });
    } else {
      this.recordedThrough.replace(models, span.lastK);
    }
    await ledger.noteSchedulerTick(config.name, this.schedule.tickMs(span.lastK));
    const own = await this.planTriggered(triggered, signal);

    const summary: SchedulePassSummary = {
      tickMs: this.schedule.tickMs(span.lastK),
      models: storable.length,
      windowsQueued: live.queued + catchUp.queued + own.queued,
      catchUpWindows: catchUp.queued,
      duplicatesSkipped: alreadyRecorded + live.duplicates + catchUp.duplicates,
      resent,
      listingFailures: listing.failures,
      durationMs: Math.round(performance.now() - started),
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
    log.info('first tick at', this.firstTick(clock()));
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
        await this.pruneWhenDue(signal);
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

  /**
   * What `run` handles first, for its start-up line: the latest tick when `run_at_once`, else the next one.
   * A `start_time` in the future only anchors the tick grid (ticks before it exist, as for a backfill
   * before it): scheduling does not wait for it, and the line says so.
   */
  firstTick(nowMs: number): { firstTickAt: string; startTime: string; startTimeInFuture: boolean } {
    const k = this.deps.config.runAtOnce ? this.schedule.latestTickIndex(nowMs) : nextTickIndex(this.schedule, nowMs);
    const startMs = this.schedule.tickMs(0);
    return {
      firstTickAt: new Date(this.schedule.tickMs(k)).toISOString(),
      startTime: new Date(startMs).toISOString(),
      startTimeInFuture: startMs > nowMs,
    };
  }

  /**
   * Retention (`scheduler.window_retention`, every `retention_interval`): prunes finished windows older
   * than the retention, dead letters, the event outbox (`event_retention`, `event_max_rows`) and ingest's
   * write log (`sensor_write_retention`; the watermarks stay), after a pass so it never delays one. A
   * failure is logged and tried next time.
   */
  async pruneWhenDue(
    signal?: AbortSignal,
  ): Promise<{ windows: number; runs: number; deadLetters: number; events: number; sensorWrites: number } | undefined> {
    const { config, ledger, clock, log, inspector, writeLog } = this.deps;
    const now = clock();
    const windowsKept = config.windowRetentionMs <= 0;
    const lettersKept = config.deadLetterRetentionMs <= 0 || inspector === undefined;
    const eventsKept = config.eventRetentionMs <= 0 && config.eventMaxRows <= 0;
    const writesKept = config.sensorWriteRetentionMs <= 0 || writeLog === undefined;
    if ((windowsKept && lettersKept && eventsKept && writesKept) || signal?.aborted || now < this.nextPruneAt) return undefined;
    this.nextPruneAt = now + config.retentionIntervalMs;
    try {
      const pruned = windowsKept ? { windows: 0, runs: 0 } : await ledger.pruneFinished(now - config.windowRetentionMs);
      const deadLetters = lettersKept ? 0 : (await inspector.pruneDeadLetters(now - config.deadLetterRetentionMs)).pruned;
      if (!lettersKept) await ledger.addRetentionTotals({ dead_letters: deadLetters });
      const events = eventsKept
        ? 0
        : await ledger.pruneEvents({
            ...(config.eventRetentionMs > 0 ? { olderThanMs: now - config.eventRetentionMs } : {}),
            ...(config.eventMaxRows > 0 ? { keepRows: config.eventMaxRows } : {}),
          });
      const sensorWrites = writesKept ? 0 : await writeLog.pruneWrites(now - config.sensorWriteRetentionMs);
      if (!writesKept) await ledger.addRetentionTotals({ sensor_writes: sensorWrites });
      const result = { ...pruned, deadLetters, events, sensorWrites };
      if (pruned.windows > 0 || deadLetters > 0 || events > 0 || sensorWrites > 0) log.info('retention pruned', result);
      return result;
    } catch (err) {
      log.warn('retention failed; trying again next time', { error: describeError(err) });
      return undefined;
    }
  }

  /**
   * The listed models whose project, name and revision fit the ledger's columns. A longer one is left out
   * (and said once per process) instead of failing every pass for every model on PostgreSQL.
   */
  /**
   * The listed models less the revisions the training journal holds as pending, training or failed: a new
   * revision is trained before its windows are planned (said once per revision).
   */
  private async trainedModels(listed: readonly ModelSummary[]): Promise<readonly ModelSummary[]> {
    if (this.deps.training === undefined) return listed;
    const untrained = await this.deps.training.untrained();
    if (untrained.length === 0) return listed;
    const waiting = new Map(untrained.map((r) => [trainingKey(r), r]));
    return listed.filter((m) => {
      const record = waiting.get(trainingKey(m));
      if (record === undefined) return true;
      const said = `${trainingKey(m)}\u0000${record.state}`;
      if (!this.saidUntrained.has(said)) {
        this.saidUntrained.add(said);
        this.deps.log.info('model revision waits for its training', {
          project: m.project,
          model: m.name,
          revision: m.revision,
          training: record.state,
          ...(record.reason === undefined ? {} : { reason: record.reason }),
        });
      }
      return false;
    });
  }

  private storableModels(listed: readonly ModelSummary[]): ModelSummary[] {
    return listed.filter((m) => {
      const problem = (['project', 'name', 'revision'] as const)
        .map((key) => [key, nameLengthProblem(m[key], MAX_NAME_LENGTH)] as const)
        .find(([, p]) => p !== undefined);
      if (problem === undefined) return true;
      const id = `${m.project.slice(0, 100)}/${m.name.slice(0, 100)}`;
      if (!this.refusedModels.has(id)) {
        this.refusedModels.add(id);
        this.deps.log.error('model left out: a name is too long for the ledger', {
          project: m.project.slice(0, 100),
          model: m.name.slice(0, 100),
          field: problem[0],
          problem: problem[1],
        });
      }
      return false;
    });
  }

  private async planTriggered(models: readonly ModelSummary[], signal: AbortSignal | undefined) {
    if (models.length === 0) return { queued: 0 };
    if (this.deps.triggers === undefined) {
      if (!this.warnedNoTriggers)
        this.deps.log.warn('models with a trigger of their own get no windows in this process', { models: models.length });
      this.warnedNoTriggers = true;
      return { queued: 0 };
    }
    return this.deps.triggers.plan(models, signal);
  }

  private nextTickMs(timeMs: number): number {
    return this.schedule.tickMs(nextTickIndex(this.schedule, timeMs));
  }
}

/** Yields from `items` while `budget.left` lasts; one more item found past it drives `left` below 0. */
function* limited<T>(items: Iterable<T>, budget: { left: number }): Generator<T> {
  for (const item of items) {
    if (budget.left <= 0) {
      budget.left = -1;
      return;
    }
    budget.left--;
    yield item;
  }
}

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
