import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { DataWatermarks, TagWatermark } from '../contracts/DataWatermarks.js';
import type { ModelDescription, ModelSummary } from '../domain/ModelDescription.js';
import type { DataTrigger, ModelTrigger, ScheduleTrigger } from '../domain/ModelTrigger.js';
import { newTask, type PredictionTask } from '../domain/Task.js';
import type { TriggerState, TriggerStateStore } from '../ledger/TriggerStateStore.js';
import type { WindowLedger, WindowOrigin } from '../ledger/WindowLedger.js';
import type { Clock } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { WindowDispatcher } from './WindowDispatcher.js';

export interface ModelTriggerPlannerDeps {
  models: ModelInformationProvider;
  ledger: WindowLedger;
  dispatcher: WindowDispatcher;
  state: TriggerStateStore;
  /** What ingest and import recorded; without them data-triggered models wait (said once). */
  watermarks?: DataWatermarks;
  clock: Clock;
  log: Logger;
  /** A model's own schedule catches up at most this far back (the scheduler section's catch_up_horizon). */
  catchUpHorizonMs: number;
  /** Windows one model may get per pass; the rest follow on the next passes. */
  maxWindowsPerModel: number;
}

/** What one pass did for the models with a trigger of their own. */
export interface TriggerPassSummary {
  queued: number;
  late: number;
  rerun: number;
}

/**
 * Plans the windows of models with a trigger of their own (ModelTrigger): a clock of their own, or their data.
 * Windows lie on the epoch grid of the model's interval and go through the ledger's insert-if-absent like
 * every window (invariants 1 and 2); what is remembered here (`model_trigger_state`) only says where to look
 * next, so a lost state re-plans windows the ledger already has, which it refuses.
 * What has arrived is what ingest and import recorded (DataWatermarks: `sensor_watermark`, `sensor_write`).
 * Late points (a write landing in a predicted window after it was dispatched: its mark grew) re-run the
 * window as a new attempt of the same window (`WindowLedger.requeue`).
 */
export class ModelTriggerPlanner {
  private warnedNoWatermarks = false;

  constructor(private readonly deps: ModelTriggerPlannerDeps) {}

  async plan(models: readonly ModelSummary[], signal?: AbortSignal): Promise<TriggerPassSummary> {
    const total: TriggerPassSummary = { queued: 0, late: 0, rerun: 0 };
    for (const model of models) {
      signal?.throwIfAborted();
      try {
        const done = await this.planModel(model, model.trigger!, signal);
        total.queued += done.queued;
        total.late += done.late;
        total.rerun += done.rerun;
      } catch (err) {
        if (signal?.aborted) throw err;
        this.deps.log.warn('trigger planning failed for a model; retried next pass', {
          project: model.project,
          model: model.name,
          error: describeError(err),
        });
      }
    }
    return total;
  }

  private async planModel(model: ModelSummary, trigger: ModelTrigger, signal?: AbortSignal): Promise<TriggerPassSummary> {
    const description = await this.deps.models.describeModel(model.project, model.name, {
      revision: model.revision,
      ...withSignal(signal),
    });
    const now = this.deps.clock();
    const stored = await this.deps.state.get(model);
    // The first window is the one holding the end of the training range: the model predicts what follows its training data.
    const state: TriggerState = stored ?? {
      nextFromMs: floorTo(description.trainingRange.toMs, trigger.intervalMs),
      pointsSeen: 0,
      pointsChecked: 0,
    };
    if (trigger.type === 'schedule') return this.planSchedule(model, trigger, state, now, signal);
    if (this.deps.watermarks === undefined) {
      if (!this.warnedNoWatermarks)
        this.deps.log.warn('models with trigger data wait: this process has no data watermarks', {
          project: model.project,
          model: model.name,
        });
      this.warnedNoWatermarks = true;
      return { queued: 0, late: 0, rerun: 0 };
    }
    return this.planData(model, description, trigger, state, now, this.deps.watermarks, signal);
  }

  private async planSchedule(
    model: ModelSummary,
    trigger: ScheduleTrigger,
    state: TriggerState,
    now: number,
    signal?: AbortSignal,
  ): Promise<TriggerPassSummary> {
    let fromMs = Math.max(state.nextFromMs, floorTo(now - this.deps.catchUpHorizonMs, trigger.intervalMs));
    const tasks: PredictionTask[] = [];
    while (fromMs + trigger.intervalMs + trigger.delayMs <= now && tasks.length < this.deps.maxWindowsPerModel) {
      tasks.push(newTask(model.project, model.name, model.revision, { fromMs, toMs: fromMs + trigger.intervalMs }));
      fromMs += trigger.intervalMs;
    }
    if (tasks.length === 0) return { queued: 0, late: 0, rerun: 0 };
    const { queued } = await this.deps.dispatcher.dispatch(tasks, 'schedule', withSignal(signal));
    await this.deps.state.save(model, { ...state, nextFromMs: fromMs }, new Map(), now);
    return { queued, late: 0, rerun: 0 };
  }

  private async planData(
    model: ModelSummary,
    description: ModelDescription,
    trigger: DataTrigger,
    state: TriggerState,
    now: number,
    watermarks: DataWatermarks,
    signal?: AbortSignal,
  ): Promise<TriggerPassSummary> {
    const tags = description.inputTags.map((t) => t.name);
    const marks = await watermarks.watermarks(tags, withSignal(signal));
    const points = [...marks.values()].reduce((sum, w) => sum + w.points, 0);
    const rerun =
      trigger.rerunLate && points !== state.pointsChecked ? await this.rerunLate(model, tags, trigger, state, marks, signal) : 0;
    state = { ...state, pointsChecked: points };

    const lastBucket = (toMs: number) => toMs - description.resolutionMs;
    const complete = (toMs: number) => tags.every((t) => (marks.get(t)?.latestMs ?? -Infinity) >= lastBucket(toMs));
    const started = (toMs: number) => tags.some((t) => (marks.get(t)?.latestMs ?? -Infinity) >= lastBucket(toMs));
    const enoughNew = trigger.minNewPoints === undefined || points - state.pointsSeen >= trigger.minNewPoints;

    const ready: { task: PredictionTask; origin: WindowOrigin }[] = [];
    let fromMs = state.nextFromMs;
    let waitingSinceMs = state.waitingSinceMs;
    while (ready.length < this.deps.maxWindowsPerModel) {
      const toMs = fromMs + trigger.intervalMs;
      const onTime = trigger.watermark ? complete(toMs) : started(toMs);
      let origin: WindowOrigin | undefined;
      if (onTime && enoughNew) origin = 'data';
      else if (trigger.maxWaitMs !== undefined && started(toMs)) {
        waitingSinceMs ??= now;
        if (now - waitingSinceMs >= trigger.maxWaitMs) origin = 'late';
      }
      if (origin === undefined) break;
      ready.push({ task: newTask(model.project, model.name, model.revision, { fromMs, toMs }), origin });
      fromMs = toMs;
      waitingSinceMs = undefined;
    }
    let queued = 0;
    let late = 0;
    for (const origin of ['data', 'late'] as const) {
      const tasks = ready.filter((r) => r.origin === origin).map((r) => r.task);
      if (tasks.length === 0) continue;
      const result = await this.deps.dispatcher.dispatch(tasks, origin, withSignal(signal));
      queued += result.queued;
      if (origin === 'late') late += result.queued;
    }
    const windowMarks =
      ready.length === 0
        ? new Map<number, number>()
        : await watermarks.windowMarks(tags, { fromMs: state.nextFromMs, toMs: fromMs }, trigger.intervalMs, withSignal(signal));
    await this.deps.state.save(
      model,
      {
        nextFromMs: fromMs,
        pointsSeen: ready.length > 0 ? points : state.pointsSeen,
        pointsChecked: points,
        ...(waitingSinceMs === undefined ? {} : { waitingSinceMs }),
      },
      windowMarks,
      now,
    );
    if (queued > 0 || rerun > 0)
      this.deps.log.info('data trigger', { project: model.project, model: model.name, revision: model.revision, queued, late, rerun });
    return { queued, late, rerun };
  }

  /**
   * Re-runs the dispatched windows within the late horizon that a write reached after they were dispatched
   * (their mark grew). A window still queued or running is left for the next pass (its run may not see the points).
   */
  private async rerunLate(
    model: ModelSummary,
    tags: readonly string[],
    trigger: DataTrigger,
    state: TriggerState,
    marks: ReadonlyMap<string, TagWatermark>,
    signal?: AbortSignal,
  ): Promise<number> {
    const newest = Math.max(...[...marks.values()].map((w) => w.latestMs));
    const fromMs = floorTo(newest - trigger.lateHorizonMs, trigger.intervalMs);
    if (fromMs >= state.nextFromMs) return 0;
    const [recorded, now] = await Promise.all([
      this.deps.state.windowMarks(model, fromMs, state.nextFromMs),
      this.deps.watermarks!.windowMarks(tags, { fromMs, toMs: state.nextFromMs }, trigger.intervalMs, withSignal(signal)),
    ]);
    const grown = [...now].filter(([from, mark]) => mark > (recorded.get(from) ?? 0)).map(([from]) => from);
    if (grown.length === 0) return 0;
    const tasks = grown.map((from) =>
      newTask(model.project, model.name, model.revision, { fromMs: from, toMs: from + trigger.intervalMs }),
    );
    const requeued = await this.deps.ledger.requeue(
      tasks.map((t) => t.id),
      ['succeeded', 'insufficient_data', 'failed'],
    );
    if (requeued.length > 0) await this.deps.dispatcher.sendRecorded(requeued, signal);
    const requeuedFrom = new Set(requeued.map((t) => t.window.fromMs));
    // Windows still queued or running keep their old mark, so the next pass looks at them again.
    const counts = new Map([...now].filter(([from]) => requeuedFrom.has(from)));
    await this.deps.state.save(model, state, counts, this.deps.clock());
    return requeued.length;
  }
}

function floorTo(timeMs: number, stepMs: number): number {
  return Math.floor(timeMs / stepMs) * stepMs;
}

function withSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
