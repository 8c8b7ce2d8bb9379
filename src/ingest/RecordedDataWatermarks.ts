import type { CallOptions } from '../contracts/CallOptions.js';
import type { DataWatermarks, TagWatermark } from '../contracts/DataWatermarks.js';
import type { TimeRange } from '../domain/TimeRange.js';
import { throwIfAborted } from '../runtime/errors.js';
import type { SensorWatermarks } from './SensorWatermarks.js';

/**
 * The data triggers' view of what has arrived, read from what ingest and import record after each committed
 * write (SensorWatermarks): a lookup per tag rather than a pass over the points, and the same for every store
 * (embedded or InfluxDB). A window's mark is the id of the latest write overlapping it: ids only grow, so a
 * late write always raises the mark, and pruning older write records (retention) never does.
 */
export class RecordedDataWatermarks implements DataWatermarks {
  constructor(private readonly recorded: SensorWatermarks) {}

  async watermarks(tags: readonly string[], options?: CallOptions): Promise<Map<string, TagWatermark>> {
    throwIfAborted(options?.signal);
    const marks = await this.recorded.get(tags);
    return new Map(
      [...marks.values()].map((w) => [w.sensor, { tag: w.sensor, firstMs: w.earliestMs, latestMs: w.latestMs, points: w.points }]),
    );
  }

  async windowMarks(tags: readonly string[], range: TimeRange, intervalMs: number, options?: CallOptions): Promise<Map<number, number>> {
    throwIfAborted(options?.signal);
    const marks = new Map<number, number>();
    if (tags.length === 0 || range.toMs <= range.fromMs) return marks;
    for (const write of await this.recorded.writesOverlapping(tags, range.fromMs, range.toMs)) {
      // The windows holding a point of the write: from the one holding its first point to the one holding its last.
      const first = Math.max(floorTo(write.fromMs, intervalMs), floorTo(range.fromMs, intervalMs));
      for (let from = first; from <= write.toMs && from < range.toMs; from += intervalMs) {
        if ((marks.get(from) ?? 0) < write.id) marks.set(from, write.id);
      }
    }
    return marks;
  }
}

function floorTo(timeMs: number, stepMs: number): number {
  return Math.floor(timeMs / stepMs) * stepMs;
}
