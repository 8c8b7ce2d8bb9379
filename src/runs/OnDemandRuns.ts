import { randomUUID } from 'node:crypto';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { QueueInspector } from '../contracts/QueueInspector.js';
import type { TaskQueue } from '../contracts/TaskQueue.js';
import { newTask, type PredictionTask } from '../domain/Task.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { WindowLedger, WindowState } from '../ledger/WindowLedger.js';
import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import { tickIndicesWithin, type Schedule } from '../scheduler/ticks.js';
import { WindowDispatcher } from '../scheduler/WindowDispatcher.js';
import { ModelLanes } from '../scheduler/ModelLanes.js';
import type { RunRecord, RunStore } from './RunStore.js';

export interface OnDemandRunsDeps {
  ledger: WindowLedger;
  queue: TaskQueue;
  /** Bound when the task queue can re-drive dead letters: a dead window run again needs its message back. */
  inspector?: QueueInspector;
  models: ModelInformationProvider;
  runs: RunStore;
  schedule: Schedule;
  batchSize: number;
  clock: Clock;
  log: Logger;
}

export interface RunRequest {
  project: string;
  model: string;
  range: TimeRange;
  /** Recompute windows that already succeeded (their stored predictions are replaced). */
  rerun: boolean;
  meta?: unknown;
  /** A `result` output to deliver the outcome to (checked by the caller). */
  outputId?: string;
  requestedBy: string;
}

/** A window that ended without predictions may always be asked for again; a succeeded one only with `rerun`. */
const runnableAgain: readonly WindowState[] = ['failed', 'insufficient_data', 'dead'];

/**
 * On-demand runs: the windows of the model's schedule inside the range go through the same ledger, queue
 * and executors as scheduled ones (same ids, invariant 1). New windows are recorded and sent; windows that
 * failed, lacked data or went dead are made runnable again; with `rerun`, succeeded ones too (the store
 * upserts on its natural key, so their predictions are replaced, not doubled).
 */
export class OnDemandRuns {
  private readonly dispatcher: WindowDispatcher;

  constructor(private readonly deps: OnDemandRunsDeps) {
    this.dispatcher = new WindowDispatcher(deps.ledger, deps.queue, deps.batchSize, new ModelLanes(deps.models));
  }

  /** Throws NotFoundError (from the catalogue) for an unknown model. */
  async create(request: RunRequest, signal?: AbortSignal): Promise<RunRecord> {
    const { ledger, clock } = this.deps;
    const options = signal === undefined ? {} : { signal };
    const model = await this.deps.models.describeModel(request.project, request.model, options);
    const tasks = this.windowsOf(request.project, request.model, model.revision, request.range);
    const { queued } = await this.dispatcher.dispatch(tasks, 'on_demand', options);
    const again = await ledger.requeue(
      tasks.map((t) => t.id),
      request.rerun ? [...runnableAgain, 'succeeded'] : runnableAgain,
    );
    if (again.length > 0) {
      await this.dispatcher.sendRecorded(again, signal);
      // A dead window's message is still parked in the queue under the same id, so the send above was a
      // duplicate; re-driving it delivers it again. Other ids match no dead letter and are left alone.
      await this.deps.inspector?.redrive({ ids: again.map((t) => t.id) }, options);
    }
    const run: RunRecord = {
      id: randomUUID(),
      project: request.project,
      model: request.model,
      revision: model.revision,
      fromMs: request.range.fromMs,
      toMs: request.range.toMs,
      rerun: request.rerun,
      windows: tasks.length,
      queued: queued + again.length,
      ...(request.meta === undefined ? {} : { meta: request.meta }),
      ...(request.outputId === undefined ? {} : { outputId: request.outputId }),
      requestedBy: request.requestedBy,
      createdAt: clock(),
    };
    await this.deps.runs.insert(run);
    this.deps.log.info('on-demand run queued', {
      runId: run.id,
      project: run.project,
      model: run.model,
      windows: run.windows,
      queued: run.queued,
      rerun: run.rerun,
    });
    return run;
  }

  /** The windows of `revision` that lie inside `range` and whose tick has come (no window of the future). */
  windowsOf(project: string, model: string, revision: string, range: TimeRange): PredictionTask[] {
    const { schedule, clock } = this.deps;
    const ticks = tickIndicesWithin(schedule, range);
    const lastK = Math.min(ticks.lastK, schedule.latestTickIndex(clock()));
    const tasks: PredictionTask[] = [];
    for (let k = ticks.firstK; k <= lastK; k++) tasks.push(newTask(project, model, revision, schedule.windowOf(k)));
    return tasks;
  }
}
