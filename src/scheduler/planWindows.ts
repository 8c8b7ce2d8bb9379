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
  constructor(
    schedule: Schedule,
    readonly firstK: number,
    readonly lastK: number,
  ) {
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
 * How planning treats windows the ledger lacks inside history it already covers (a schedule change moved
 * the grid: a new `interval` or `delay` gives windows that overlap the old ones):
 * - `new-ticks` (the scheduler's passes): a window wholly covered by recorded windows of the same model
 *   revision is history and not planned again; the change applies from the first window that reaches
 *   past what is recorded. A gap (downtime, a catch-up not finished) is covered by nothing and is planned.
 * - `replan` (`latigo replan`, on purpose): every window whose exact key the ledger lacks.
 */
export type PlanMode = 'new-ticks' | 'replan';

/**
 * The windows of `span` each model lacks. Models with a mark skip the ticks at or before it; the others are
 * compared with the ledger in batches (one query per few hundred models of a project).
 * Returns the plans and how many windows of the span the ledger already had (or covered).
 */
export async function planMissingWindows(
  ledger: WindowLedger,
  models: readonly ModelSummary[],
  span: TickSpan,
  memory?: RecordedThrough,
  mode: PlanMode = 'new-ticks',
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
      const recorded = await recordedWindows(ledger, project, part, span);
      for (const model of part) {
        const have = recorded.get(model.name);
        const lacks = (k: number): boolean => {
          if (have === undefined) return true;
          if (mode === 'replan') return !have.keys.has(span.key(k));
          const w = span.window(k);
          return !have.coverage.covers(w.fromMs, w.toMs);
        };
        const missing = range(span.firstK, span.lastK).filter(lacks);
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

/** The recorded windows of one model revision: their exact keys and the time they cover together. */
interface RecordedSet {
  readonly keys: Set<string>;
  readonly coverage: Coverage;
}

/** Window keys and coverage the ledger holds per model name, at the revision each model is listed with.
 *  Reaches one span back so a recorded window of another grid that began before the span counts too. */
async function recordedWindows(
  ledger: WindowLedger,
  project: string,
  models: readonly ModelSummary[],
  span: TickSpan,
): Promise<Map<string, RecordedSet>> {
  const revisions = new Map(models.map((m) => [m.name, m.revision]));
  const found = new Map<string, RecordedSet>();
  const first = span.windows[0]!.fromMs;
  const last = span.windows[span.size - 1]!.toMs;
  // A window of another grid that covers part of the span ends inside it or up to about a span later.
  const lookup = { fromMs: first + 1, toMs: last + (last - first) + 1 };
  for (const w of await ledger.windowsEndingIn(
    project,
    models.map((m) => m.name),
    lookup,
  )) {
    if (revisions.get(w.model) !== w.revision) continue;
    let set = found.get(w.model);
    if (set === undefined) found.set(w.model, (set = { keys: new Set(), coverage: new Coverage() }));
    set.keys.add(windowKey(w.fromMs, w.toMs));
    set.coverage.add(w.fromMs, w.toMs);
  }
  return found;
}

/** A union of half-open intervals: does it hold all of [from, to)? */
export class Coverage {
  private intervals: [number, number][] = [];
  private merged: [number, number][] | undefined;

  add(fromMs: number, toMs: number): void {
    this.intervals.push([fromMs, toMs]);
    this.merged = undefined;
  }

  covers(fromMs: number, toMs: number): boolean {
    const merged = this.merge();
    // The last merged interval starting at or before fromMs decides.
    let lo = 0;
    let hi = merged.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (merged[mid]![0] <= fromMs) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && merged[found]![1] >= toMs;
  }

  private merge(): [number, number][] {
    if (this.merged !== undefined) return this.merged;
    const sorted = [...this.intervals].sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [from, to] of sorted) {
      const last = merged[merged.length - 1];
      if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to);
      else merged.push([from, to]);
    }
    return (this.merged = merged);
  }
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
