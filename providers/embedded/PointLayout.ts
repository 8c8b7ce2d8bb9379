import type { RawPoints } from '../../src/domain/resample.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';

/** Points of one stored sensor, as given (merged: one value per timestamp). */
export interface SensorIdPoints {
  readonly sensorId: number;
  readonly timesMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface WriteLayoutOptions {
  /** Called after each committed transaction with the points written so far. */
  onProgress?(inserted: number): void;
}

/**
 * How EmbeddedSensorStore keeps raw points, one per dialect: PostgreSQL a row a point (`sensor_point`,
 * RowPointLayout), SQLite a row per up to 256 points of a sensor (`sensor_chunk`, ChunkPointLayout).
 */
export interface PointLayout {
  /** The range read's SQL for `sensors` sensor ids, as `rangeSpecifier` shows it. */
  readSql(sensors: number): string;
  /** The range read's parameters after the sensor ids, as `rangeSpecifier` shows them. */
  readBounds(range: TimeRange): number[];
  /** The points of the sensors in `columnOfId` in [range.fromMs, range.toMs), by sensor then time, each
   *  labelled with its sensor's column; NaN where a non-finite value was written. */
  read(columnOfId: ReadonlyMap<number, number>, range: TimeRange): Promise<RawPoints>;
  /** Writes points (each series of a distinct sensor, one value per timestamp); a point at a stored
   *  timestamp replaces it. Commits every ~200,000 points. `inserted` counts the points given. */
  write(series: readonly SensorIdPoints[], options?: WriteLayoutOptions): Promise<{ inserted: number; nonFinite: number }>;
}

/** Points per transaction when seeding: long enough to amortise commits, short enough to let other writers in. */
export const POINTS_PER_TRANSACTION = 200_000;
