import type { ServiceIdentifier } from 'inversify';
import type { TimeRange } from '../domain/TimeRange.js';
import type { CallOptions } from './CallOptions.js';

/** How far one tag's data reaches: its first and latest point and how many points it has. */
export interface TagWatermark {
  readonly tag: string;
  readonly firstMs: number;
  readonly latestMs: number;
  readonly points: number;
}

/**
 * What data has arrived: what the data trigger and the "first N rows" training range read. The core binds
 * one implementation, over the watermarks ingest and import record (`sensor_watermark`, `sensor_write`:
 * RecordedDataWatermarks), whatever store holds the points; one source of truth for every reader.
 */
export interface DataWatermarks {
  /** The watermark of each tag that has data; a tag without points (or unknown) is absent from the map. */
  watermarks(tags: readonly string[], options?: CallOptions): Promise<Map<string, TagWatermark>>;
  /**
   * Per window `[k·intervalMs, (k+1)·intervalMs)` of the UTC epoch grid inside `range` that a write of `tags`
   * reached, keyed by the window's start: a mark that grows whenever another write lands in the window (late
   * data included); windows no write reached are absent. Compared between passes to find windows to re-run.
   */
  windowMarks(tags: readonly string[], range: TimeRange, intervalMs: number, options?: CallOptions): Promise<Map<number, number>>;
}
export const DataWatermarks: ServiceIdentifier<DataWatermarks> = Symbol.for('latigo.DataWatermarks');
