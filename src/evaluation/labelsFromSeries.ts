import type { LabelledInterval } from './scoreFlags.js';

/**
 * Labelled intervals from a 0/1 label column imported as a tag (e.g. `anomaly`), resampled to the model's
 * resolution: each run of consecutive buckets with a value above 0.5 becomes [first bucket, last bucket +
 * resolution). Buckets without a value end a run.
 */
export function labelsFromSeries(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  resolutionMs: number,
  label: string,
): LabelledInterval[] {
  const intervals: LabelledInterval[] = [];
  let start: number | undefined;
  let last = 0;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i]!;
    const on = values[i]! > 0.5;
    if (on && start !== undefined && t - last <= resolutionMs) {
      last = t;
      continue;
    }
    if (start !== undefined) intervals.push({ fromMs: start, toMs: last + resolutionMs, label });
    start = on ? t : undefined;
    last = t;
  }
  if (start !== undefined) intervals.push({ fromMs: start, toMs: last + resolutionMs, label });
  return intervals;
}
