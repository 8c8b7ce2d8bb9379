import type { ModelSummary } from '../domain/ModelDescription.js';
import { newTask, type PredictionTask } from '../domain/Task.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { Schedule } from './ticks.js';

/** Models per ledger lookup: one indexed query answers this many. */
const LOOKUP_CHUNK = 500;

/** A model and the ticks (ascending k) whose windows it should get. */
export interface ModelPlan {
  readonly model: ModelSummary;
  readonly missing: readonly number[];
}

/** Ticks [firstK, lastK] and their windows, computed once per pass and shared by every model. */
export class TickSpan {
  readonly windows: readonly TimeRange[];
  private readonly keys: readonly string[];
  constructor(schedule: Schedule, readonly firstK: number, readonly lastK: number) {
    const windows: TimeRange[] = [];
    for (let k = firstK; k <= lastK; k++) windows.push(schedule.windowOf(k));
    this.windows = windows;
    this.keys = windows.map((w) => windowKey(w.fromMs, w.toMs));
  }
  get size(): number {
    return this.windows.length;
  }
  window(k: number): TimeRange {
    return this.windows[k - this.firstK]!;
  }
  key(k: number): string {
    return this.keys[k - this.firstK]!;
  }
  /** to_ms of every window in the span: [first window's end, last window's end + 1). */
  endRange(): TimeRange {
    return { fromMs: this.windows[0]!.toMs, toMs: this.windows[this.windows.length - 1]!.toMs + 1 };
  }
}

/**
 * Per model revision: the newest tick up to which this process has recorded every window of the horizon.
 * Only an optimisation, so a pass between ticks costs no query: a model with a mark plans just the ticks
 * after it, and those still go through the ledger's insert-if-absent, which decides. A model without a
 * mark (first pass, a model added later, a new revision) is compared with the ledger itself.
 */
export class RecordedThrough {
  private marks = new Map<string, { revision: string; k: number }>();

  /** k of the mark for this model at its listed revision, if any. */
  get(model: ModelSummary): number | undefined {
    const mark = this.marks.get(modelId(model));
    return mark !== undefined && mark.revision === model.revision ? mark.k : undefined;
  }

  /** After a successful pass: exactly the listed models, each recorded through tick k. */
  replace(models: readonly ModelSummary[], k: number): void {
    this.marks = new Map(models.map((m) => [modelId(m), { revision: m.revision, k }]));
  }
}

/**
 * The windows of `span` each model lacks. Models with a mark skip the ticks at or before it; the others are
 * compared with the ledger in batches (one query per few hundred models of a project).
 * Returns the plans and how many windows of the span the ledger already had.
 */
export async function planMissingWindows(
  ledger: WindowLedger, models: readonly ModelSummary[], span: TickSpan, memory?: RecordedThrough,
): Promise<{ plans: ModelPlan[]; alreadyRecorded: number }> {
  const plans: ModelPlan[] = [];
  let alreadyRecorded = 0;
  const unmarked = new Map<string, ModelSummary[]>();
  for (const model of models) {
    const mark = memory?.get(model);
    if (mark === undefined) {
      const list = unmarked.get(model.project) ?? [];
      list.push(model);
      unmarked.set(model.project, list);
      continue;
    }
    plans.push({ model, missing: range(Math.max(span.firstK, mark + 1), span.lastK) });
  }
  for (const [project, list] of unmarked) {
    for (let i = 0; i < list.length; i += LOOKUP_CHUNK) {
      const part = list.slice(i, i + LOOKUP_CHUNK);
      const recorded = await recordedKeys(ledger, project, part, span);
      for (const model of part) {
        const have = recorded.get(model.name);
        const missing = have === undefined ? range(span.firstK, span.lastK) : range(span.firstK, span.lastK).filter((k) => !have.has(span.key(k)));
        alreadyRecorded += span.size - missing.length;
        plans.push({ model, missing });
      }
    }
  }
  return { plans, alreadyRecorded };
}

/** The tasks of `plans` for the ticks `pick` selects, generated lazily so a long catch-up stays small in memory. */
export function* tasksOf(plans: readonly ModelPlan[], span: TickSpan, pick: (k: number) => boolean): Generator<PredictionTask> {
  for (const { model, missing } of plans) {
    for (const k of missing) {
      if (pick(k)) yield newTask(model.project, model.name, model.revision, span.window(k));
    }
  }
}

/** Window keys the ledger holds per model name, at the revision each model is listed with. */
async function recordedKeys(ledger: WindowLedger, project: string, models: readonly ModelSummary[], span: TickSpan): Promise<Map<string, Set<string>>> {
  const revisions = new Map(models.map((m) => [m.name, m.revision]));
  const keys = new Map<string, Set<string>>();
  for (const w of await ledger.windowsEndingIn(project, models.map((m) => m.name), span.endRange())) {
    if (revisions.get(w.model) !== w.revision) continue;
    let set = keys.get(w.model);
    if (set === undefined) keys.set(w.model, (set = new Set()));
    set.add(windowKey(w.fromMs, w.toMs));
  }
  return keys;
}

function windowKey(fromMs: number, toMs: number): string {
  return `${fromMs}:${toMs}`;
}

function modelId(model: ModelSummary): string {
  return `${model.project}\u0000${model.name}`;
}

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(k);
  return out;
}
