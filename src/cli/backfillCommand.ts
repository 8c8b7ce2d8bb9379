import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import type { BackfillJob, BackfillJobStore } from '../backfills/BackfillJobStore.js';
import { createBackfillJobRunner } from '../backfills/createBackfillJobRunner.js';
import { BackfillJobStoreToken, ProcessRegistryToken, WindowLedgerToken } from '../composition/container.js';
import { timeRange, type TimeRange } from '../domain/TimeRange.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import { abortError, isAbortError } from '../runtime/errors.js';
import { createProgress } from './progress.js';
import { resumeAfterOutages } from './resumeAfterOutages.js';
import { runCommand, type GlobalOptions } from './runCommand.js';

interface BackfillOptions {
  from: number;
  to: number;
  model?: string[];
  wait?: boolean;
  /** Seconds without any window starting after which the command says that no executor seems to run. */
  idleWarning: number;
}

/** How often `--wait` and the executor watch read the ledger. */
const POLL_MS = 1_000;

/**
 * `latigo backfill --from --to [--model ...] [--wait]`: writes a backfill job to the database (as
 * POST /api/v1/backfills does; no API process needed) and follows it. When a scheduler is running, the
 * scheduler runs the job, paced by its share of executor capacity and its rate, and this command shows its
 * finished windows (Ctrl-C stops following, not the job). With no scheduler running, this process sends the
 * job's windows itself, as before, and leaves the job for a scheduler to finish following. The ledger makes
 * it resumable: running the same command again resumes the same job and queues only what is still missing.
 * While windows wait and none has started for `--idle-warning` seconds, it says once that no executor seems
 * to be running (the ledger is the witness: executors mark each window they begin).
 */
export async function runBackfill(options: BackfillOptions, globals: GlobalOptions): Promise<never> {
  return runCommand(
    globals,
    { processName: 'backfill', logTo: 'stderr', stoppable: true },
    async ({ container, stopSignal: signal, log, config }) => {
      if (options.to <= options.from) throw new Error('--to must be later than --from');
      const root = container('scheduler');
      const ledger = await root.getAsync<WindowLedger>(WindowLedgerToken);
      const jobs = await root.getAsync(BackfillJobStoreToken);
      const job = await createOrResume(jobs, options);
      const schedulers = (await (await root.getAsync(ProcessRegistryToken)).list(Date.now(), config.api.lostAfterMs, 'scheduler')).filter(
        (p) => p.state === 'live',
      );
      const owner = `backfill-${process.pid}`;
      const claimed = schedulers.length === 0 ? await jobs.claim(owner, config.scheduler.backfill.leaseMs, job.id) : undefined;
      const watching = new AbortController();
      const watch = watchForExecutors(ledger, options.idleWarning * 1000, AbortSignal.any([signal, watching.signal]));
      try {
        if (claimed === undefined) {
          const by = schedulers.map((p) => p.name).join(', ') || job.owner || 'another process';
          process.stdout.write(`backfill ${job.id} runs in ${by}; following it (Ctrl-C stops following, not the job)\n`);
          await followJob(jobs, job.id, options.wait === true, signal);
          return;
        }
        const runner = await createBackfillJobRunner(root, config, owner, log);
        const queueing = createProgress('queueing');
        let summary;
        try {
          // Resumable, so a database restart mid-way only costs a retry: the ledger skips what was queued.
          summary = await resumeAfterOutages(
            async () => {
              const current = (await jobs.claim(owner, config.scheduler.backfill.leaseMs, job.id)) ?? claimed;
              return runner.execute(current, signal, {
                follow: false,
                // No scheduler queues live windows now: the queue may hold as many backfill windows as before.
                maxQueued: 2 * config.scheduler.batchSize,
                onProgress: ({ done, total }) => queueing.update(done, total),
              });
            },
            { signal, log, what: 'backfill' },
          );
        } finally {
          queueing.stop();
        }
        if (summary === undefined) {
          const now = await jobs.get(job.id);
          if (now !== undefined && now.state !== 'running' && now.state !== 'pending')
            throw new Error(`backfill ${job.id} is ${now.state}${now.error === undefined ? '' : `: ${now.error}`}`);
          throw abortError(signal);
        }
        // The windows cover the range aligned outward to the window grid: progress is counted over that span.
        const range = timeRange(options.from, options.to);
        const span = summary.covering ?? range;
        if (summary.covering) {
          const aligned = summary.covering.fromMs !== options.from || summary.covering.toMs !== options.to;
          process.stdout.write(
            `queued ${summary.queued} windows covering ${shortInstant(span.fromMs)} .. ${shortInstant(span.toMs)}` +
              `${aligned ? ' (--from/--to aligned outward to the window grid)' : ''}\n`,
          );
        }
        process.stdout.write(
          `backfill done: ${summary.windows} windows of ${summary.models} model(s); ${summary.queued} queued, ` +
            `${summary.alreadyRecorded} already recorded (${summary.durationMs} ms)\n`,
        );
        if (!options.wait) {
          const { unfinished } = await ledger.rangeProgress(span, modelNames(options.model));
          if (unfinished > 0) {
            process.stdout.write(
              `${unfinished} window(s) of the range wait for an executor (latigo executor, or latigo start); ` +
                'latigo status shows how far they are, or rerun with --wait\n',
            );
          } else await jobs.end(job.id, 'finished');
          return;
        }
        const finished = await waitUntilFinished(ledger, span, modelNames(options.model), summary.windows, signal);
        await jobs.progress(job.id, { finished: Math.min(finished, summary.windows) });
        await jobs.end(job.id, 'finished');
        process.stdout.write(`backfill predicted: ${finished} of ${summary.windows} windows finished\n`);
      } catch (err) {
        if (!isAbortError(err) && !signal.aborted) throw err;
        process.stdout.write('backfill stopped; run the same command again to queue the remaining windows\n');
      } finally {
        watching.abort();
        await watch;
      }
    },
  );
}

/**
 * A new job for the range, or the active job already covering exactly this range and these models (a rerun
 * resumes it). Another active job overlapping the range is an error naming it, as the API's 409 is.
 */
async function createOrResume(jobs: BackfillJobStore, options: BackfillOptions): Promise<BackfillJob> {
  const models = options.model === undefined || options.model.length === 0 ? undefined : options.model;
  const result = await jobs.create({
    id: randomUUID(),
    fromMs: options.from,
    toMs: options.to,
    ...(models === undefined ? {} : { models }),
    requestedBy: 'latigo backfill',
  });
  if ('created' in result) return result.created;
  const other = result.conflict;
  const sameModels = JSON.stringify(other.models ?? null) === JSON.stringify(models === undefined ? null : [...models].sort());
  if (other.fromMs === options.from && other.toMs === options.to && sameModels) {
    if (other.state === 'paused')
      throw new Error(`backfill ${other.id} over this range is paused; resume it (PATCH /api/v1/backfills/${other.id})`);
    return other;
  }
  throw new Error(
    `backfill ${other.id} (${other.state}) already covers part of this range for these models ` +
      `(${shortInstant(other.fromMs)} .. ${shortInstant(other.toMs)}); wait for it or cancel it (DELETE /api/v1/backfills/${other.id})`,
  );
}

/** Follows a job a scheduler runs: a bar of its finished windows, until it ends (or, without `wait`, all are sent). */
async function followJob(jobs: BackfillJobStore, id: string, wait: boolean, signal: AbortSignal): Promise<void> {
  const progress = createProgress('predicted');
  let job: BackfillJob | undefined;
  try {
    for (;;) {
      job = await jobs.get(id);
      if (job === undefined) throw new Error(`backfill ${id} is gone`);
      if (job.total > 0) progress.update(Math.min(job.finished, job.total), job.total);
      if (job.state === 'finished' || job.state === 'cancelled' || job.state === 'failed') break;
      if (!wait && job.total > 0 && job.planned >= job.total) break;
      await sleep(POLL_MS, undefined, { signal });
    }
  } catch (err) {
    if (!isAbortError(err) && !signal.aborted) throw err;
    process.stdout.write(`stopped following; backfill ${id} goes on in the scheduler (GET /api/v1/backfills/${id})\n`);
    return;
  } finally {
    progress.stop();
  }
  if (job.state === 'failed') throw new Error(`backfill ${id} failed: ${job.error ?? 'no reason recorded'}`);
  if (job.state === 'cancelled') {
    process.stdout.write(`backfill ${id} was cancelled: ${job.finished} of ${job.total} windows finished\n`);
    return;
  }
  if (job.state === 'finished') process.stdout.write(`backfill predicted: ${job.finished} of ${job.total} windows finished\n`);
  else process.stdout.write(`backfill ${id}: all ${job.total} windows queued, ${job.finished} finished; the scheduler follows the rest\n`);
}

/** `--wait`: a bar of the range's finished windows, until all `total` are finished. Returns how many finished. */
async function waitUntilFinished(
  ledger: WindowLedger,
  range: TimeRange,
  models: string[] | undefined,
  total: number,
  signal: AbortSignal,
): Promise<number> {
  const progress = createProgress('predicted');
  try {
    for (;;) {
      const { finished, unfinished } = await ledger.rangeProgress(range, models);
      progress.update(Math.min(finished, total), total);
      if (unfinished === 0) return finished;
      await sleep(POLL_MS, undefined, { signal });
    }
  } finally {
    progress.stop();
  }
}

/**
 * Says once on stderr when windows are queued but no executor has begun any window for `idleMs`: without
 * executors a backfill only fills the queue. Ends when `signal` fires.
 */
async function watchForExecutors(ledger: WindowLedger, idleMs: number, signal: AbortSignal): Promise<void> {
  const startedAt = Date.now();
  while (!signal.aborted) {
    try {
      await sleep(Math.min(POLL_MS, idleMs), undefined, { signal });
    } catch {
      return;
    }
    const [lastStarted, queued] = await Promise.all([ledger.lastStartedAt(), ledger.queuedCount()]).catch(() => [undefined, 0] as const);
    const quietSince = Math.max(startedAt, lastStarted ?? 0);
    if (queued > 0 && Date.now() - quietSince >= idleMs) {
      process.stderr.write(
        `latigo: ${queued} window(s) are queued but no executor has started one in ${Math.round(idleMs / 1000)} s; ` +
          'is an executor running? (latigo executor, or latigo start)\n',
      );
      return;
    }
  }
}

/** 2026-01-01T00:00Z: ISO 8601 without the seconds when they are zero. */
function shortInstant(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/:00\.000Z$/, 'Z')
    .replace(/\.000Z$/, 'Z');
}

/** The ledger filters by model name: "project/model" filters are reduced to the model's name. */
function modelNames(filters: string[] | undefined): string[] | undefined {
  return filters?.map((f) => f.slice(f.lastIndexOf('/') + 1));
}
