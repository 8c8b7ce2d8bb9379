import type { SensorDataOptions, SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { resample } from '../../src/domain/resample.js';
import { RawPointsBuilder } from '../../src/domain/RawPointsBuilder.js';
import { bucketCount, type SensorFrame } from '../../src/domain/SensorFrame.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { InfluxClientLike } from './client.js';
import type { SensorLayout } from './config.js';
import type { ReadPlan } from './influxql.js';
import { toStoredName } from './names.js';

/**
 * Reads sensor windows from InfluxDB, resampled by the database (InfluxQL `GROUP BY time()` or Flux
 * `aggregateWindow`) onto epoch-aligned, left-labelled buckets, then laid out by the same `resample` as
 * the embedded store, so both give the same frame for the same points. The database averages the raw
 * points, so `quality.rawPoints` counts the bucket means it returned; it cannot hold NaN, duplicates or
 * out-of-order points, so those counts stay 0.
 */
export class InfluxSensorDataProvider implements SensorDataProvider {
  constructor(
    private readonly client: InfluxClientLike,
    private readonly layout: SensorLayout,
    private readonly log: Logger,
  ) {}

  rangeSpecifier(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): string {
    return this.client.describeBucketMeans(readPlan(uniqueNames(tags), range, resolutionMs), this.layout);
  }

  async getData(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number, options?: SensorDataOptions): Promise<SensorFrame> {
    throwIfAborted(options?.signal);
    const names = uniqueNames(tags);
    const uniqueTags = names.length === tags.length ? tags : names.map((name) => tags.find((t) => t.name === name)!);
    const plan = readPlan(names, range, resolutionMs);
    const buckets = bucketCount(range, resolutionMs);
    // At most one mean per sensor and bucket; more would mean the server's grid differs from ours. Counted,
    // not allocated: the points grow with what the server returns, not with the grid of the range.
    const capacity = Math.max(1, names.length * buckets);
    const points = new RawPointsBuilder();
    if (buckets > 0 && names.length > 0) {
      const columnOfKey = new Map(plan.keys.map((key, i) => [key, i]));
      let unexpected = 0;
      await this.client.readBucketMeans(
        plan,
        this.layout,
        (key, t, mean) => {
          const c = columnOfKey.get(key);
          if (c === undefined || points.length === capacity) {
            unexpected++;
            return;
          }
          points.push(c, t, mean);
        },
        options?.signal,
      );
      if (unexpected > 0) this.log.warn('buckets outside the requested sensors or grid ignored', { count: unexpected });
    }
    const frame = resample(uniqueTags, range, resolutionMs, points, { rows: options?.rows ?? 'all' });
    if (uniqueTags === tags) return frame;
    return { ...frame, tags, columns: tags.map((t) => frame.columns[names.indexOf(t.name)]!) };
  }
}

function uniqueNames(tags: readonly SensorTag[]): string[] {
  return [...new Set(tags.map((t) => t.name))];
}

/** Starts at the first bucket start, as `bucketStarts` does: points before it belong to no bucket of the frame. */
function readPlan(names: readonly string[], range: TimeRange, resolutionMs: number): ReadPlan {
  const first = Math.ceil(range.fromMs / resolutionMs) * resolutionMs;
  return { keys: names.map(toStoredName), fromMs: Math.min(first, range.toMs), toMs: range.toMs, resolutionMs };
}
