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

export type SmoothingMethod = 'mean' | 'median' | 'ewma';

export interface Smoothing {
  readonly method: SmoothingMethod;
  /** How many of the latest scored rows (the row itself included) each smoothed value looks at. */
  readonly rows: number;
}

/**
 * The trailing smoothing of `values` over the last `rows` values (fewer at the start). Each value depends
 * only on itself and its `rows - 1` predecessors, so a row's smoothed value is the same whichever window
 * scores it, as long as those predecessors are fed in front:
 * - mean: the plain average;
 * - median: the middle value (the mean of the two middle ones for an even count), robust to one wild row;
 * - ewma: exponential weights α(1-α)^i with α = 2 / (rows + 1) (the usual span convention), truncated at
 *   `rows` values and renormalised. The truncation is what keeps it window-independent: an untruncated
 *   EWMA would depend on every row since the start of the data.
 */
export function smooth(values: Float64Array, smoothing: Smoothing): Float64Array {
  const { method, rows } = smoothing;
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`smoothing rows must be a positive integer, got ${rows}`);
  if (rows === 1 || method === 'mean') return trailingMean(values, rows);
  const smoothed = new Float64Array(values.length);
  if (method === 'median') {
    const scratch = new Float64Array(rows);
    for (let i = 0; i < values.length; i++) {
      const from = Math.max(0, i - rows + 1);
      const count = i - from + 1;
      const window = scratch.subarray(0, count);
      window.set(values.subarray(from, i + 1));
      window.sort();
      smoothed[i] = count % 2 === 1 ? window[(count - 1) / 2]! : (window[count / 2 - 1]! + window[count / 2]!) / 2;
    }
    return smoothed;
  }
  const alpha = 2 / (rows + 1);
  for (let i = 0; i < values.length; i++) {
    let sum = 0;
    let weights = 0;
    let weight = alpha;
    for (let j = i; j >= 0 && j > i - rows; j--) {
      sum += weight * values[j]!;
      weights += weight;
      weight *= 1 - alpha;
    }
    smoothed[i] = sum / weights;
  }
  return smoothed;
}
