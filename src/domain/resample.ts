import { bucketCount, bucketStarts, emptyQualityCounts, firstBucketStart, type SensorFrame } from './SensorFrame.js';
import type { SensorTag } from './SensorTag.js';
import type { TimeRange } from './TimeRange.js';

/**
 * Raw points as parallel columns (struct of arrays), so a provider can pass typed arrays it filled
 * from its driver without building an object per point. Point `i` belongs to the tag at index
 * `column[i]` of the requested tags, has timestamp `timeMs[i]` (epoch ms) and value `value[i]`.
 * Points of different tags may interleave; each tag's points are cheapest when in ascending time.
 */
export interface RawPoints {
  readonly length: number;
  readonly column: ArrayLike<number>;
  readonly timeMs: ArrayLike<number>;
  readonly value: ArrayLike<number>;
}

/**
 * Resamples raw points onto left-labelled buckets `[t, t + resolutionMs)` starting at
 * `bucketStarts(range, resolutionMs)`, one column per tag in the order of `tags`, by mean.
 *
 * - Points outside `[first bucket start, range.toMs)` are ignored: providers may read a padded range.
 * - NaN and ±Infinity values are dropped first and counted in `quality.nonFinite`.
 * - Of points with the same tag and timestamp the last one read wins; the others count as `duplicates`.
 * - A point earlier than the previous point of its tag counts as `outOfOrder`; that tag's points are
 *   then sorted (stably, so "last read wins" still holds) before bucketing.
 * - Buckets without a value stay NaN and count as `emptyBuckets`.
 *
 * One pass and three allocations proportional to the frame when every tag's points arrive in time
 * order, as a database returns them.
 *
 * With `rows: 'present'` the frame holds only the buckets where some tag has a finite value (timestamps
 * ascend but may skip buckets), and no work or memory depends on the grid of the whole range: a
 * 1970-2100 range holding a few rows costs those rows (issue 14). `emptyBuckets` still counts the empty
 * buckets of the whole grid, so the quality counts do not depend on the layout.
 */
export function resample(
  tags: readonly SensorTag[],
  range: TimeRange,
  resolutionMs: number,
  points: RawPoints,
  { rows = 'all' }: { rows?: FrameRows } = {},
): SensorFrame {
  if (!(resolutionMs > 0)) throw new RangeError(`resolution must be positive, got ${resolutionMs}`);
  const gridBuckets = bucketCount(range, resolutionMs);
  const first = gridBuckets > 0 ? firstBucketStart(range, resolutionMs) : range.toMs;
  const end = range.toMs;
  const present = rows === 'present' ? presentBuckets(points, first, end, resolutionMs) : undefined;
  const timestamps = present ? present.map((b) => first + b * resolutionMs) : bucketStarts(range, resolutionMs);
  const rowCount = timestamps.length;
  const columnCount = tags.length;
  const quality = emptyQualityCounts();
  if (present) quality.emptyBuckets = (gridBuckets - present.length) * columnCount;
  /** A point's bucket as a position in `timestamps`. */
  const rowOf = present
    ? (t: number) => firstAtOrAfter(present, Math.floor((t - first) / resolutionMs))
    : (t: number) => Math.floor((t - first) / resolutionMs);

  // `sums` becomes the frame's storage: one buffer, one subarray view per column.
  const sums = new Float64Array(columnCount * rowCount);
  const counts = new Uint32Array(columnCount * rowCount);
  // Each tag holds back its latest point until a later timestamp arrives, so that a duplicate can
  // replace it exactly (no subtract-and-re-add rounding).
  const pendingTime = new Float64Array(columnCount).fill(-Infinity);
  const pendingValue = new Float64Array(columnCount);
  const pendingSlot = new Int32Array(columnCount).fill(-1);
  const previousTime = new Float64Array(columnCount).fill(-Infinity);
  const duplicates = new Uint32Array(columnCount);
  const unsorted = new Uint8Array(columnCount);
  let unsortedColumns = 0;

  const feed = (c: number, t: number, v: number): void => {
    if (t === pendingTime[c]) {
      pendingValue[c] = v;
      duplicates[c]!++;
      return;
    }
    const slot = pendingSlot[c]!;
    if (slot >= 0) {
      sums[slot]! += pendingValue[c]!;
      counts[slot]!++;
    }
    pendingTime[c] = t;
    pendingValue[c] = v;
    pendingSlot[c] = c * rowCount + rowOf(t);
  };

  const { column, timeMs, value, length } = points;
  for (let i = 0; i < length; i++) {
    const c = column[i]!;
    if (!(c >= 0 && c < columnCount)) throw new RangeError(`point ${i} names column ${c}, but ${columnCount} tags were requested`);
    quality.rawPoints++;
    const t = timeMs[i]!;
    if (!(t >= first && t < end)) continue;
    const v = value[i]!;
    if (!Number.isFinite(v)) {
      quality.nonFinite++;
      continue;
    }
    if (t < previousTime[c]!) {
      quality.outOfOrder++;
      if (unsorted[c] === 0) {
        unsorted[c] = 1;
        unsortedColumns++;
      }
    }
    previousTime[c] = t;
    if (unsorted[c] === 0) feed(c, t, v);
  }

  for (let c = 0; c < columnCount; c++) {
    if (unsorted[c] === 1) continue;
    flush(c);
  }
  if (unsortedColumns > 0) {
    for (let c = 0; c < columnCount; c++) if (unsorted[c] === 1) resortColumn(c);
  }

  function flush(c: number): void {
    const slot = pendingSlot[c]!;
    if (slot >= 0) {
      sums[slot]! += pendingValue[c]!;
      counts[slot]!++;
    }
    quality.duplicates += duplicates[c]!;
  }

  // The slow path: rebuild one tag's buckets from its points in time order.
  function resortColumn(c: number): void {
    sums.fill(0, c * rowCount, (c + 1) * rowCount);
    counts.fill(0, c * rowCount, (c + 1) * rowCount);
    pendingTime[c] = -Infinity;
    pendingSlot[c] = -1;
    duplicates[c] = 0;
    const indices: number[] = [];
    for (let i = 0; i < length; i++) {
      const t = timeMs[i]!;
      if (column[i] === c && t >= first && t < end && Number.isFinite(value[i])) indices.push(i);
    }
    // Ties keep read order, so the last point read for a timestamp is fed last and wins.
    indices.sort((a, b) => timeMs[a]! - timeMs[b]! || a - b);
    for (const i of indices) feed(c, timeMs[i]!, value[i]!);
    flush(c);
  }

  for (let k = 0; k < sums.length; k++) {
    const n = counts[k]!;
    if (n === 0) {
      sums[k] = NaN;
      quality.emptyBuckets++;
    } else if (n > 1) {
      sums[k]! /= n;
    }
  }
  const columns: Float64Array[] = [];
  for (let c = 0; c < columnCount; c++) columns.push(sums.subarray(c * rowCount, (c + 1) * rowCount));
  return { range, resolutionMs, tags, timestamps, columns, quality };
}

/** Which buckets a frame holds: every bucket of the range's grid, or only those where some tag has a value. */
export type FrameRows = 'all' | 'present';

/**
 * The grid positions (since `first`) of the buckets holding at least one finite point in [first, end), in
 * ascending order: the rows of a `rows: 'present'` frame. Sorted and deduplicated in O(points log points).
 */
function presentBuckets(points: RawPoints, first: number, end: number, resolutionMs: number): Float64Array {
  const buckets = new Float64Array(points.length);
  let n = 0;
  let sorted = true;
  for (let i = 0; i < points.length; i++) {
    const t = points.timeMs[i]!;
    if (!(t >= first && t < end) || !Number.isFinite(points.value[i]!)) continue;
    const bucket = Math.floor((t - first) / resolutionMs);
    if (n > 0 && bucket < buckets[n - 1]!) sorted = false;
    buckets[n++] = bucket;
  }
  const found = buckets.subarray(0, n);
  if (!sorted) found.sort();
  let distinct = 0;
  for (let i = 0; i < n; i++) if (distinct === 0 || found[i] !== found[distinct - 1]) found[distinct++] = found[i]!;
  return found.slice(0, distinct);
}

/** Position of the first element >= `value` in an ascending array. */
function firstAtOrAfter(values: Float64Array, value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
