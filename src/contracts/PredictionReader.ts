import type { ServiceIdentifier } from 'inversify';
import type { ModelRef } from '../domain/ModelDescription.js';
import type { ForecastPoint } from '../domain/Forecast.js';
import type { PredictionRow } from '../domain/Prediction.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { CallOptions } from './CallOptions.js';

/** Stored predictions of one model revision, rows ordered by time; arrays aligned with `tagNames`. */
export interface StoredPredictions {
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly tagNames: readonly string[];
  readonly rows: readonly PredictionRow[];
}

/**
 * The same rows as StoredPredictions without an object per row: one array per field, non-finite values as NaN,
 * and each row's per-tag values as the JSON array text (aligned with `tagNames`, non-finite values as null) a
 * store that keeps them as JSON holds. What the API's columns form of a long range is written from.
 */
export interface StoredPredictionColumns {
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly tagNames: readonly string[];
  readonly timeMs: readonly number[];
  readonly totalAnomaly: readonly number[];
  readonly threshold: readonly number[];
  readonly isAnomaly: readonly boolean[];
  readonly outputsJson: readonly string[];
  readonly contributionsJson: readonly string[];
}

/** One anomalous timestamp, newest first in `latestAnomalies`. */
export interface StoredAnomaly {
  readonly project: string;
  readonly model: string;
  readonly timeMs: number;
  /** NaN when the score was not a finite number. */
  readonly totalAnomaly: number;
  readonly threshold: number;
}

export interface ReadPredictionsOptions extends CallOptions {
  /** The revision to read; when omitted, the revision of the latest row in the range (what the model served last). */
  revision?: string;
  /** Most rows to return (the earliest first); all rows in the range when omitted. */
  limit?: number;
}

export interface CountPredictionsOptions extends CallOptions {
  project?: string;
  model?: string;
}

export interface LatestAnomaliesOptions extends CallOptions {
  limit: number;
  project?: string;
  model?: string;
}

/** One stored forecast of a `forecast` model: every target time issued at `issuedAtMs`, ordered by time. */
export interface StoredForecast {
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly tagNames: readonly string[];
  readonly issuedAtMs: number;
  readonly coverage: number;
  readonly points: readonly ForecastPoint[];
}

export interface ReadForecastOptions extends CallOptions {
  /** The forecast as it was issued at this time: the latest issued at or before it. The latest overall when omitted. */
  asOfMs?: number;
  revision?: string;
}

/**
 * Optional capability of a prediction store: reads back what `store` wrote. Bound by the storage modules
 * that can (embedded, InfluxDB, Data API); looked up by token, never probed by shape.
 */
export interface PredictionReader {
  /** Rows of `model` with timeMs in [range.fromMs, range.toMs); an unknown model yields no rows, not an error. */
  readPredictions(model: ModelRef, range: TimeRange, options?: ReadPredictionsOptions): Promise<StoredPredictions>;
  /** The rows `readPredictions` would return, as columns (without `details`). Stores with no cheaper way than
   *  `readPredictions` omit the method. */
  readPredictionColumns?(model: ModelRef, range: TimeRange, options?: ReadPredictionsOptions): Promise<StoredPredictionColumns>;
  countPredictions(options?: CountPredictionsOptions): Promise<number>;
  latestAnomalies(options: LatestAnomaliesOptions): Promise<StoredAnomaly[]>;
  /** The latest forecast of `model` (or the one in force at `asOfMs`); undefined when it has none. Stores that keep no
   *  forecasts omit the method. */
  readForecast?(model: ModelRef, options?: ReadForecastOptions): Promise<StoredForecast | undefined>;
}
export const PredictionReader: ServiceIdentifier<PredictionReader> = Symbol.for('latigo.PredictionReader');
