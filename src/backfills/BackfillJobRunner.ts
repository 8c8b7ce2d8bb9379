import { setTimeout as sleep } from 'node:timers/promises';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { ProcessRegistry } from '../processes/ProcessRegistry.js';
import type { Clock } from '../runtime/clock.js';
import { describeError, isAbortError, isConfigError, isNotFoundError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { BackfillOptions, BackfillSummary } from '../scheduler/backfill.js';
import type { TimeRange } from '../domain/TimeRange.js';
import { modelName, type BackfillJob, type BackfillJobStore } from './BackfillJobStore.js';

export interface BackfillJobsConfig {
  /** How often an idle scheduler looks for a job, and a running job re-checks its pace and its row. */
  pollIntervalMs: number;
  /** How long a claim holds without renewal: a scheduler killed mid-job is replaced after this. */
  leaseMs: number;
  /** Default share (0, 1] of the live executors' concurrency that a job's windows may hold at once. */
  executorShare: number;
  /** Default most windows sent per minute; 0 for no limit. */
  windowsPerMinute: number;
}

export interface BackfillJobRunnerDeps {
  jobs: BackfillJobStore;
  /** The scheduler's backfill: plans and sends the windows of a range the ledger lacks, oldest first. */
  backfill: (options: BackfillOptions) => Promise<BackfillSummary>;
  ledger: WindowLedger;
  processes: ProcessRegistry;
  config: BackfillJobsConfig;
  /** executor.concurrency: tasks in flight per executor, the unit of capacity the share divides. */
  executorConcurrency: number;
  /** api.lost_after: an executor silent for longer no longer counts towards capacity. */
  lostAfterMs: number;
  /** This process's name: the claim's owner. A scheduler restarted under its name resumes its jobs at once. */
  owner: string;
  clock: Clock;
  log: Logger;
}

/** Why a job stopped running in this process. */
type Stop = 'paused' | 'cancelled' | 'lost_claim';

/**
 * Runs backfill jobs in the scheduler process (issue 13), one at a time: claims the oldest pending or running
 * job, sends its windows through the scheduler's backfill (so they go through the same ledger, queue and
 * executors, each window once: a resumed job skips what the ledger holds), then follows the ledger until every
 * window of the range finished, counting finished windows (not sent ones) for the progress and ETA.
 *
 * Pacing: before each batch it waits until the job's windows queued or running leave room within its share of
 * the live executors' concurrency, and its rate allows the batch; the rest of the capacity stays free, so
 * live windows queued meanwhile wait behind at most that share. Pause and cancel are read from the job's row
 * at every lease renewal and stop the job here; a resumed job is claimed again and continues from the ledger.
 */
export class BackfillJobRunner {
  private liveExecutors = 0;

  constructor(private readonly deps: BackfillJobRunnerDeps) {}

  /** Claims and runs jobs until `signal` fires; a failed pass is logged and the loop goes on. */
  async run(signal: AbortSignal): Promise<void> {
    const { jobs, config, owner, log } = this.deps;
    while (!signal.aborted) {
      try {
        const job = await jobs.claim(owner, config.leaseMs);
        if (job !== undefined) {
          await this.execute(job, signal, { follow: true });
          continue;
        }
      } catch (err) {
        if (signal.aborted) break;
        log.warn('backfill jobs: a pass failed; trying again', { error: describeError(err) });
      }
      try {
        await sleep(config.pollIntervalMs, undefined, { signal });
      } catch {
        break;
      }
    }
  }

  /**
   * Runs one claimed job: sends its windows, then (with `follow`) waits until every one finished and ends the
   * job. Without `follow` the claim is released after sending, for a scheduler to finish following. With
   * `maxQueued` (`latigo backfill` with no scheduler running, so no live windows to make room for) it paces by
   * that many queued windows instead of the job's share and rate. Returns the send's summary, or undefined
   * when the job stopped (paused, cancelled, failed, or `signal` fired).
   */
  async execute(
    job: BackfillJob,
    signal: AbortSignal,
    options: { follow: boolean; maxQueued?: number; onProgress?: BackfillOptions['onProgress'] },
  ): Promise<BackfillSummary | undefined> {
    const { jobs, owner, log } = this.deps;
    const stopper = new AbortController();
    const jobSignal = AbortSignal.any([signal, stopper.signal]);
    const state = { job, stop: undefined as Stop | undefined, covering: job.covering, planned: 0 };
    const logFields = { backfillId: job.id };
    const keeper = this.keepClaim(state, stopper, jobSignal);
    try {
      log.info('backfill job running', { ...logFields, from: new Date(job.fromMs).toISOString(), to: new Date(job.toMs).toISOString() });
      await this.refreshCapacity();
      const summary = await this.deps.backfill({
        fromMs: job.fromMs,
        toMs: job.toMs,
        ...(job.models === undefined ? {} : { models: job.models }),
        signal: jobSignal,
        ...(options.maxQueued === undefined
          ? { pace: this.pacer(state, jobSignal), batchSize: Math.max(1, Math.min(this.maxHeld(job), 1000)) }
          : { maxQueued: options.maxQueued }),
        onStart: async ({ total, covering }) => {
          state.covering = covering;
          const finished = covering === undefined ? 0 : (await this.rangeProgress(job, covering)).finished;
          await jobs.progress(job.id, { total, finished, ...(covering === undefined ? {} : { covering }), finishedAtStart: finished });
        },
        onProgress: (progress) => {
          state.planned = progress.done;
          options.onProgress?.(progress);
        },
      });
      await jobs.progress(job.id, { planned: summary.windows });
      if (!options.follow) {
        await jobs.release(job.id, owner);
        return summary;
      }
      await this.followUntilFinished(job, state.covering, summary.windows, jobSignal);
      await jobs.end(job.id, 'finished');
      log.info('backfill job finished', { ...logFields, windows: summary.windows, queued: summary.queued });
      return summary;
    } catch (err) {
      if (isAbortError(err) || jobSignal.aborted) {
        if (state.stop !== 'lost_claim') await jobs.release(job.id, owner).catch(() => undefined);
        log.info('backfill job stopped here', { ...logFields, reason: state.stop ?? 'process stopping' });
        return undefined;
      }
      if (isNotFoundError(err) || isConfigError(err)) {
        await jobs.end(job.id, 'failed', describeError(err));
        log.error('backfill job failed', { ...logFields, error: describeError(err) });
        return undefined;
      }
      await jobs.release(job.id, owner).catch(() => undefined);
      throw err;
    } finally {
      stopper.abort();
      await keeper;
    }
  }

  /** Renews the claim every few polls, reads the job's row (pause, cancel, new rate) and keeps progress current. */
  private async keepClaim(
    state: { job: BackfillJob; stop: Stop | undefined; covering: TimeRange | undefined; planned: number },
    stopper: AbortController,
    signal: AbortSignal,
  ): Promise<void> {
    const { jobs, config, owner, log } = this.deps;
    const every = Math.max(config.pollIntervalMs, Math.min(1_000, config.leaseMs / 6));
    while (!signal.aborted) {
      try {
        await sleep(every, undefined, { signal });
      } catch {
        return;
      }
      try {
        const current = await jobs.renew(state.job.id, owner, config.leaseMs);
        if (current === undefined || current.state !== 'running') {
          state.stop = current === undefined ? 'lost_claim' : current.state === 'paused' ? 'paused' : 'cancelled';
          stopper.abort();
          return;
        }
        state.job = current;
        await this.refreshCapacity();
        const finished = state.covering === undefined ? undefined : (await this.rangeProgress(current, state.covering)).finished;
        await jobs.progress(current.id, { planned: state.planned, ...(finished === undefined ? {} : { finished }) });
      } catch (err) {
        if (signal.aborted) return;
        log.warn('backfill job: renewing the claim failed; trying again', { backfillId: state.job.id, error: describeError(err) });
      }
    }
  }

  /** Waits before each batch until the job's held windows leave room in its share and its rate allows the batch. */
  private pacer(state: { job: BackfillJob }, signal: AbortSignal): (size: number) => Promise<void> {
    let nextAllowedAt = 0;
    return async (size) => {
      for (;;) {
        signal.throwIfAborted();
        const now = this.deps.clock();
        const rate = state.job.windowsPerMinute ?? this.deps.config.windowsPerMinute;
        const rateWaitMs = rate > 0 ? nextAllowedAt - now : 0;
        if (rateWaitMs <= 0) {
          const held = await this.deps.ledger.heldCount('backfill');
          // A batch larger than the share (the share was lowered) still goes once nothing is held.
          if (held === 0 || held + size <= this.maxHeld(state.job)) {
            if (rate > 0) nextAllowedAt = Math.max(now, nextAllowedAt) + (size * 60_000) / rate;
            return;
          }
        }
        const waitMs = Math.max(1, Math.min(this.deps.config.pollIntervalMs, rateWaitMs > 0 ? rateWaitMs : Infinity));
        await sleep(waitMs, undefined, { signal });
      }
    };
  }

  private async followUntilFinished(job: BackfillJob, covering: TimeRange | undefined, total: number, signal: AbortSignal): Promise<void> {
    if (covering === undefined || total === 0) return;
    for (;;) {
      const { finished, unfinished } = await this.rangeProgress(job, covering);
      await this.deps.jobs.progress(job.id, { finished: Math.min(finished, total) });
      if (unfinished === 0) return;
      await sleep(this.deps.config.pollIntervalMs, undefined, { signal });
    }
  }

  private rangeProgress(job: BackfillJob, covering: TimeRange): Promise<{ finished: number; unfinished: number }> {
    return this.deps.ledger.rangeProgress(covering, job.models?.map(modelName));
  }

  /** Most windows the job may hold queued or running: its share of the live executors' concurrency (at least 1). */
  private maxHeld(job: BackfillJob): number {
    const share = job.executorShare ?? this.deps.config.executorShare;
    return Math.max(1, Math.floor(share * Math.max(1, this.liveExecutors) * this.deps.executorConcurrency));
  }

  private async refreshCapacity(): Promise<void> {
    const executors = await this.deps.processes.list(this.deps.clock(), this.deps.lostAfterMs, 'executor');
    this.liveExecutors = executors.filter((e) => e.state === 'live').length;
  }
}
