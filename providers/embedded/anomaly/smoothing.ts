/**
 * Trailing moving average: element i is the mean of values[max(0, i - window + 1) .. i]. The first
 * window - 1 elements average what precedes them, so callers that want full windows feed history rows
 * in front and drop them from the output. A window of 1 returns the values unchanged.
 */
export function trailingMean(values: Float64Array, window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`smoothing window must be a positive integer, got ${window}`);
  if (window === 1) return values;
  const smoothed = new Float64Array(values.length);
  // Summed afresh per element rather than as a running sum: one huge value (a stuck sensor moving
  // scores Q ~ 1e10) would otherwise leave rounding debris in every later average. Windows are short.
  for (let i = 0; i < values.length; i++) {
    const from = Math.max(0, i - window + 1);
    let sum = 0;
    for (let j = from; j <= i; j++) sum += values[j]!;
    smoothed[i] = sum / (i - from + 1);
  }
  return smoothed;
}
