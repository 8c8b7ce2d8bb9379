import type { SensorTag } from './SensorTag.js';
import type { TimeRange } from './TimeRange.js';

/** What a provider found wrong with raw points and did about it. Nothing is dropped uncounted. */
export interface DataQualityCounts {
  /** Raw points read from the source. */
  rawPoints: number;
  /** NaN or ±Infinity values, dropped before resampling. */
  nonFinite: number;
  /** Points with the same tag and timestamp as an earlier one; the last value read wins. */
  duplicates: number;
  /** Points that arrived with a timestamp earlier than the previous point of their tag (re-sorted). */
  outOfOrder: number;
  /** Buckets with no value for a tag after resampling (left as NaN in the frame). */
  emptyBuckets: number;
}

export function emptyQualityCounts(): DataQualityCounts {
  return { rawPoints: 0, nonFinite: 0, duplicates: 0, outOfOrder: 0, emptyBuckets: 0 };
}

/**
 * Sensor data aligned on a resolution: one timestamp per bucket start, one column per tag.
 * `columns[i][j]` is the mean of tag `tags[i]` in bucket `[timestamps[j], timestamps[j] + resolutionMs)`,
 * or NaN when the bucket had no finite value. Timestamps cover `range` without gaps, except in a frame
 * read with `rows: 'present'` (SensorDataOptions), which holds only the buckets where some tag has a value.
 */
export interface SensorFrame {
  readonly range: TimeRange;
  readonly resolutionMs: number;
  readonly tags: readonly SensorTag[];
  readonly timestamps: Float64Array;
  readonly columns: readonly Float64Array[];
  readonly quality: DataQualityCounts;
}

/** Bucket starts for `range` at `resolutionMs`, aligned to multiples of the resolution since the epoch. */
export function bucketStarts(range: TimeRange, resolutionMs: number): Float64Array {
  const first = firstBucketStart(range, resolutionMs);
  const count = bucketCount(range, resolutionMs);
  const starts = new Float64Array(count);
  for (let i = 0; i < count; i++) starts[i] = first + i * resolutionMs;
  return starts;
}

/** The first bucket start of `range` at `resolutionMs` (a multiple of the resolution since the epoch). */
export function firstBucketStart(range: TimeRange, resolutionMs: number): number {
  return Math.ceil(range.fromMs / resolutionMs) * resolutionMs;
}

/** How many buckets `bucketStarts(range, resolutionMs)` holds, without allocating them. */
export function bucketCount(range: TimeRange, resolutionMs: number): number {
  return Math.max(0, Math.ceil((range.toMs - firstBucketStart(range, resolutionMs)) / resolutionMs));
}
