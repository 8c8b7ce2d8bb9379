import type { SchedulerDeps } from './Scheduler.js';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatRange, timeRange, type TimeRange } from '../domain/TimeRange.js';
import { listAllModels, selectModels } from './listModels.js';
import { planMissingWindows, TickSpan, tasksOf } from './planWindows.js';
import { tickIndicesCovering } from './coveringTicks.js';
import type { Schedule } from './ticks.js';
import { WindowDispatcher } from './WindowDispatcher.js';
import { ModelLanes } from './ModelLanes.js';

export interface BackfillOptions {
  fromMs: number;
  toMs: number;
  /** "project/model" or a model name (every project); all models when omitted. */
  models?: string[];
  signal?: AbortSignal;
  /** Called as windows are queued or found already recorded; `done` reaches `total` at the end. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Most backfill windows waiting for an executor ('queued') at once. Default: 2 × scheduler.batch_size. */
  maxQueued?: number;
  /** How often to look whether executors made room. Default: 1 s (or poll_interval if shorter). */
  pollMs?: number;
  /**
   * Replaces the wait for room before each batch (`maxQueued`): a backfill job paces itself by its rate and
   * share of executor capacity, and stops here when paused or cancelled. Awaited with the batch's size.
   */
  pace?: (size: number) => Promise<void>;
  /** Windows per batch (default: scheduler.batch_size, at most `maxQueued`). */
  batchSize?: number;
  /** Called once the windows are known, before any is sent. */
  onStart?: (plan: { total: number; covering?: TimeRange }) => Promise<void>;
}

export interface BackfillSummary {
  models: number;
  /** Windows of the range for the selected models (ticks × models). */
  windows: number;
  /** What those windows span: the requested range aligned outward to the window grid (absent when none). */
  covering?: TimeRange;
  /** Windows new to the ledger, sent now. */
  queued: number;
  /** Windows the ledger already had (an earlier, interrupted backfill or the live schedule). */
  alreadyRecorded: number;
  durationMs: number;
}

export interface BackfillDeps extends SchedulerDeps {
  schedule: Schedule;
}

/**
 * Backfill walks the range oldest first in slices of about one batch, compares each slice with the ledger,
 * and sends what is missing. Before each batch it waits until the backfill windows still 'queued' leave
 * room for it: the queue then never holds more than `maxQueued` backfill windows ahead of a live window.
 */
export async function runBackfill(deps: BackfillDeps, options: BackfillOptions): Promise<BackfillSummary> {
  const { config, ledger, log, schedule, clock } = deps;
  const { signal } = options;
  const started = performance.now();
  const range = timeRange(options.fromMs, options.toMs);
  const maxQueued = Math.max(1, options.maxQueued ?? 2 * config.batchSize);
  const pollMs = options.pollMs ?? Math.min(1000, config.pollIntervalMs);
  const lanes = new ModelLanes(deps.models);
  const dispatcher = new WindowDispatcher(
    ledger,
    deps.queue,
    Math.max(1, options.batchSize ?? Math.min(config.batchSize, maxQueued)),
    lanes,
  );

  const listing = await listAllModels(deps.models, log, { ...(signal === undefined ? {} : { signal }), strict: true });
  lanes.remember(listing.models);
  const models = selectModels(listing.models, options.models);
  const ticks = tickIndicesCovering(schedule, range);
  const lastK = Math.min(ticks.lastK, schedule.latestTickIndex(clock())); // no window before its tick
  const tickCount = Math.max(0, lastK - ticks.firstK + 1);
  const total = tickCount * models.length;
  const summary: BackfillSummary = { models: models.length, windows: total, queued: 0, alreadyRecorded: 0, durationMs: 0 };
  if (tickCount > 0) summary.covering = { fromMs: schedule.windowOf(ticks.firstK).fromMs, toMs: schedule.windowOf(lastK).toMs };
  await options.onStart?.({ total, ...(summary.covering === undefined ? {} : { covering: summary.covering }) });
  let done = 0;
  const report = (): void => options.onProgress?.({ done, total });
  report();
  log.info('backfill started', { range: formatRange(range), models: models.length, windows: total, maxQueued });

  let waits = 0;
  const waitForRoom = async (size: number): Promise<void> => {
    for (let waited = false; ; waited = true) {
      const queued = await ledger.queuedCount('backfill');
      if (queued + size <= maxQueued) return;
      // Said once at info: a backfill with no executor running stalls here, and the operator should know why.
      if (!waited) {
        const fields = { queued, maxQueued };
        if (waits++ === 0) log.info('backfill waiting for executors to take queued windows', fields);
        else log.debug('backfill waiting for executors to take queued windows', fields);
      }
      await sleep(pollMs, undefined, signal === undefined ? {} : { signal });
    }
  };

  await dispatcher.resendUnsent(signal); // batches an interrupted run recorded but did not send
  const ticksPerSlice = Math.max(1, Math.floor(config.batchSize / Math.max(1, models.length)));
  for (let firstK = ticks.firstK; total > 0 && firstK <= lastK; firstK += ticksPerSlice) {
    signal?.throwIfAborted();
    const span = new TickSpan(schedule, firstK, Math.min(lastK, firstK + ticksPerSlice - 1));
    const { plans, alreadyRecorded } = await planMissingWindows(ledger, models, span);
    summary.alreadyRecorded += alreadyRecorded;
    done += alreadyRecorded;
    report();
    await dispatcher.dispatch(
      tasksOf(plans, span, () => true),
      'backfill',
      {
        ...(signal === undefined ? {} : { signal }),
        beforeBatch: options.pace ?? waitForRoom,
        afterBatch: (result) => {
          summary.queued += result.queued;
          summary.alreadyRecorded += result.duplicates;
          done += result.queued + result.duplicates;
          report();
        },
      },
    );
  }
  summary.durationMs = Math.round(performance.now() - started);
  log.info('backfill finished', { ...summary });
  return summary;
}
