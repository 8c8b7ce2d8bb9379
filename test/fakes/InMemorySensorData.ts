import type { SensorDataOptions, SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import type { FrameRows } from '../../src/domain/resample.js';
import { bucketStarts, emptyQualityCounts, type SensorFrame } from '../../src/domain/SensorFrame.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { formatRange, type TimeRange } from '../../src/domain/TimeRange.js';

/** A bucket's value for a tag; NaN leaves the bucket empty. */
export type ValueFunction = (tag: SensorTag, bucketStartMs: number) => number;

/** A smooth, deterministic signal that differs per tag. */
export const sineValues: ValueFunction = (tag, t) => 100 + 10 * Math.sin(t / 3_600_000 + tag.name.length);

/**
 * A SensorDataProvider that generates frames from a function of (tag, time) instead of reading points.
 * Each bucket counts as one raw point; empty (NaN) buckets are counted in `quality.emptyBuckets`.
 * Records each call so tests can check the tags, range, resolution and rows asked for (it always returns every bucket).
 */
export class InMemorySensorData implements SensorDataProvider {
  readonly calls: { tags: readonly SensorTag[]; range: TimeRange; resolutionMs: number; rows: FrameRows }[] = [];

  constructor(private readonly values: ValueFunction = sineValues) {}

  rangeSpecifier(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): string {
    return `in-memory ${tags.length} tags ${formatRange(range)} every ${resolutionMs} ms`;
  }

  async getData(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number, options?: SensorDataOptions): Promise<SensorFrame> {
    options?.signal?.throwIfAborted();
    this.calls.push({ tags, range, resolutionMs, rows: options?.rows ?? 'all' });
    const timestamps = bucketStarts(range, resolutionMs);
    const quality = emptyQualityCounts();
    const columns = tags.map((tag) => {
      const column = new Float64Array(timestamps.length);
      for (let j = 0; j < timestamps.length; j++) {
        const value = this.values(tag, timestamps[j]!);
        column[j] = value;
        if (Number.isNaN(value)) quality.emptyBuckets++;
        else quality.rawPoints++;
      }
      return column;
    });
    return { range, resolutionMs, tags, timestamps, columns, quality };
  }
}
