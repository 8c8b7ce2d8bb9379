import { bucketStarts, emptyQualityCounts, type SensorFrame } from './SensorFrame.js';
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
 */
export function resample(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number, points: RawPoints): SensorFrame {
  if (!(resolutionMs > 0)) throw new RangeError(`resolution must be positive, got ${resolutionMs}`);
  const timestamps = bucketStarts(range, resolutionMs);
  const bucketCount = timestamps.length;
  const columnCount = tags.length;
  const first = bucketCount > 0 ? timestamps[0] : range.toMs;
  const end = range.toMs;
  const quality = emptyQualityCounts();

  // `sums` becomes the frame's storage: one buffer, one subarray view per column.
  const sums = new Float64Array(columnCount * bucketCount);
  const counts = new Uint32Array(columnCount * bucketCount);
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
      duplicates[c]++;
      return;
    }
    const slot = pendingSlot[c];
    if (slot >= 0) {
      sums[slot] += pendingValue[c];
      counts[slot]++;
    }
    pendingTime[c] = t;
    pendingValue[c] = v;
    pendingSlot[c] = c * bucketCount + Math.floor((t - first) / resolutionMs);
  };

  const { column, timeMs, value, length } = points;
  for (let i = 0; i < length; i++) {
    const c = column[i];
    if (!(c >= 0 && c < columnCount)) throw new RangeError(`point ${i} names column ${c}, but ${columnCount} tags were requested`);
    quality.rawPoints++;
    const t = timeMs[i];
    if (!(t >= first && t < end)) continue;
    const v = value[i];
    if (!Number.isFinite(v)) {
      quality.nonFinite++;
      continue;
    }
    if (t < previousTime[c]) {
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
    const slot = pendingSlot[c];
    if (slot >= 0) {
      sums[slot] += pendingValue[c];
      counts[slot]++;
    }
    quality.duplicates += duplicates[c];
  }

  // The slow path: rebuild one tag's buckets from its points in time order.
  function resortColumn(c: number): void {
    sums.fill(0, c * bucketCount, (c + 1) * bucketCount);
    counts.fill(0, c * bucketCount, (c + 1) * bucketCount);
    pendingTime[c] = -Infinity;
    pendingSlot[c] = -1;
    duplicates[c] = 0;
    const indices: number[] = [];
    for (let i = 0; i < length; i++) {
      const t = timeMs[i];
      if (column[i] === c && t >= first && t < end && Number.isFinite(value[i])) indices.push(i);
    }
    // Ties keep read order, so the last point read for a timestamp is fed last and wins.
    indices.sort((a, b) => timeMs[a] - timeMs[b] || a - b);
    for (const i of indices) feed(c, timeMs[i], value[i]);
    flush(c);
  }

  for (let k = 0; k < sums.length; k++) {
    const n = counts[k];
    if (n === 0) {
      sums[k] = NaN;
      quality.emptyBuckets++;
    } else if (n > 1) {
      sums[k] /= n;
    }
  }
  const columns: Float64Array[] = [];
  for (let c = 0; c < columnCount; c++) columns.push(sums.subarray(c * bucketCount, (c + 1) * bucketCount));
  return { range, resolutionMs, tags, timestamps, columns, quality };
}
