import { scoreFlags, type FlagScore, type LabelledInterval, type ScoreFlagsOptions } from './scoreFlags.js';

export interface ThresholdResult {
  /** A timestamp is flagged when its score exceeds this. */
  readonly threshold: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
  readonly eventsDetected: number;
  readonly falseAlarmsPerDay: number | null;
}

export interface Backtest {
  /** One result per candidate threshold, ascending. */
  readonly sweep: readonly ThresholdResult[];
  /** The candidate with the highest point-wise F1 (the lowest such threshold on a tie); null when no F1 exists. */
  readonly best: (ThresholdResult & { readonly score: FlagScore }) | null;
}

/** Candidates a sweep tries at most: every distinct score up to this many, else this many quantiles of them. */
export const MAX_CANDIDATES = 200;

/**
 * What the stored predictions would have flagged at other thresholds, without re-running the model: each
 * candidate is a stored score itself (flags are `score > threshold`, as the model's own), so re-running the
 * model with `threshold` set to the best candidate flags exactly the timestamps the backtest counted.
 */
export function backtestThresholds(
  times: ArrayLike<number>,
  scores: ArrayLike<number>,
  labels: readonly LabelledInterval[],
  options: ScoreFlagsOptions,
): Backtest {
  const finite = [...new Set(Array.from(scores).filter(Number.isFinite))].sort((a, b) => a - b);
  const candidates =
    finite.length <= MAX_CANDIDATES
      ? finite
      : [
          ...new Set(
            Array.from({ length: MAX_CANDIDATES }, (_, i) => finite[Math.floor((i * (finite.length - 1)) / (MAX_CANDIDATES - 1))]!),
          ),
        ];
  const flags = new Array<boolean>(times.length);
  let best: Backtest['best'] = null;
  const sweep = candidates.map((threshold) => {
    for (let i = 0; i < times.length; i++) flags[i] = scores[i]! > threshold;
    const score = scoreFlags(times, flags, labels, options);
    const result: ThresholdResult = {
      threshold,
      precision: score.pointwise.precision,
      recall: score.pointwise.recall,
      f1: score.pointwise.f1,
      eventsDetected: score.events.detected,
      falseAlarmsPerDay: score.falseAlarmsPerDay,
    };
    if (result.f1 !== null && (best === null || result.f1 > best.f1!)) best = { ...result, score };
    return result;
  });
  return { sweep, best };
}
