/** A labelled interval [fromMs, toMs): the ground truth a model's flags are scored against. */
export interface LabelledInterval {
  readonly fromMs: number;
  readonly toMs: number;
  /** Free text (`fault`, `leak`...), echoed in the per-event results. */
  readonly label?: string;
}

export interface ScoreFlagsOptions {
  /** Step of the scored timestamps: flags this far apart are consecutive. */
  readonly resolutionMs: number;
  /** Flags up to this long after an interval's end still count for it (a smoothed score lags). Default 0. */
  readonly graceMs?: number;
  /** Consecutive flags that make an interval detected. Default 1 (any flag inside). */
  readonly minRun?: number;
}

export interface PointwiseScore {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly trueNegatives: number;
  /** null when nothing was flagged. */
  readonly precision: number | null;
  /** null when no scored timestamp lies in a labelled interval. */
  readonly recall: number | null;
  /** null when precision or recall is; 0 when both are 0. */
  readonly f1: number | null;
}

export interface EventScore {
  readonly fromMs: number;
  readonly toMs: number;
  readonly label?: string;
  readonly detected: boolean;
  /** The first flag of the detecting run. */
  readonly detectedAtMs?: number;
  /** detectedAtMs - fromMs (negative never: the run starts inside the interval). */
  readonly timeToDetectMs?: number;
}

export interface FlagScore {
  /** Scored timestamps, and of them the flagged ones. */
  readonly rows: number;
  readonly flagged: number;
  /** Flagged timestamps inside a labelled interval plus grace (the demo's precision: the share of these among the flagged). */
  readonly flaggedInIntervals: number;
  readonly pointwise: PointwiseScore;
  readonly events: {
    readonly total: number;
    readonly detected: number;
    /** detected / total; null without labelled intervals. */
    readonly recall: number | null;
    readonly meanTimeToDetectMs: number | null;
    readonly items: readonly EventScore[];
  };
  /** Runs of consecutive flags with no flag inside a labelled interval (plus grace). */
  readonly falseAlarms: number;
  /** falseAlarms per 24 h of scored time (first to last timestamp plus one step); null without rows. */
  readonly falseAlarmsPerDay: number | null;
}

const DAY_MS = 86_400_000;

/**
 * Scores anomaly flags against labelled intervals. Point-wise: a timestamp is positive when it lies in an
 * interval ([fromMs, toMs), no grace). Event-wise: an interval is detected when `minRun` consecutive flags
 * start in [fromMs, toMs + grace); its time to detect is from its start to the first of them. A false alarm
 * is a run of consecutive flags none of which lies in an interval plus grace.
 * `times` ascend; `flags[i]` is whether times[i] was flagged.
 */
export function scoreFlags(
  times: ArrayLike<number>,
  flags: ArrayLike<boolean>,
  labels: readonly LabelledInterval[],
  options: ScoreFlagsOptions,
): FlagScore {
  const graceMs = options.graceMs ?? 0;
  const minRun = options.minRun ?? 1;
  const sorted = [...labels].sort((a, b) => a.fromMs - b.fromMs);
  const n = times.length;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let flagged = 0;
  let flaggedInIntervals = 0;
  for (let i = 0; i < n; i++) {
    const positive = inAny(sorted, times[i]!, 0);
    if (flags[i]) flagged++;
    if (flags[i] && (positive || (graceMs > 0 && inAny(sorted, times[i]!, graceMs)))) flaggedInIntervals++;
    if (flags[i] && positive) tp++;
    else if (flags[i]) fp++;
    else if (positive) fn++;
    else tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : null;
  const recall = tp + fn > 0 ? tp / (tp + fn) : null;
  const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);

  const runs = flaggedRuns(times, flags, options.resolutionMs);
  const items: EventScore[] = sorted.map((interval) => {
    const run = runs.find((r) => r.length >= minRun && r.startMs >= interval.fromMs && r.startMs < interval.toMs + graceMs);
    const base = { fromMs: interval.fromMs, toMs: interval.toMs, ...(interval.label === undefined ? {} : { label: interval.label }) };
    return run === undefined
      ? { ...base, detected: false }
      : { ...base, detected: true, detectedAtMs: run.startMs, timeToDetectMs: run.startMs - interval.fromMs };
  });
  // A run that starts before an interval and reaches into it is no false alarm either.
  const falseAlarms = runs.filter((r) => !r.times.some((t) => inAny(sorted, t, graceMs))).length;
  const detected = items.filter((e) => e.detected);
  const spanMs = n === 0 ? 0 : times[n - 1]! - times[0]! + options.resolutionMs;
  return {
    rows: n,
    flagged,
    flaggedInIntervals,
    pointwise: { truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn, precision, recall, f1 },
    events: {
      total: items.length,
      detected: detected.length,
      recall: items.length === 0 ? null : detected.length / items.length,
      meanTimeToDetectMs: detected.length === 0 ? null : detected.reduce((sum, e) => sum + e.timeToDetectMs!, 0) / detected.length,
      items,
    },
    falseAlarms,
    falseAlarmsPerDay: n === 0 ? null : (falseAlarms * DAY_MS) / spanMs,
  };
}

interface FlagRun {
  startMs: number;
  length: number;
  times: number[];
}

/** Maximal runs of flags whose timestamps are at most `resolutionMs` apart. */
function flaggedRuns(times: ArrayLike<number>, flags: ArrayLike<boolean>, resolutionMs: number): FlagRun[] {
  const runs: FlagRun[] = [];
  let current: FlagRun | undefined;
  for (let i = 0; i < times.length; i++) {
    if (!flags[i]) {
      current = undefined;
      continue;
    }
    const t = times[i]!;
    if (current !== undefined && t - current.times[current.times.length - 1]! <= resolutionMs) {
      current.length++;
      current.times.push(t);
    } else {
      current = { startMs: t, length: 1, times: [t] };
      runs.push(current);
    }
  }
  return runs;
}

function inAny(sorted: readonly LabelledInterval[], t: number, graceMs: number): boolean {
  for (const interval of sorted) {
    if (interval.fromMs > t) return false;
    if (t < interval.toMs + graceMs) return true;
  }
  return false;
}
