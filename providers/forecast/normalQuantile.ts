import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/** The multiplier of the standard deviation for a central interval of `coverage` (1.96 for 0.95). */
export function intervalMultiplier(coverage: number): number {
  if (!(coverage > 0 && coverage < 1)) throw new RangeError(`interval coverage must lie strictly between 0 and 1, got ${coverage}`);
  return normalQuantile((1 + coverage) / 2, 0, 1);
}
