import type { ServiceIdentifier } from 'inversify';
import type { FrameRows } from '../domain/resample.js';
import type { SensorFrame } from '../domain/SensorFrame.js';
import type { SensorTag } from '../domain/SensorTag.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { CallOptions } from './CallOptions.js';

/** Options of `getData`. */
export interface SensorDataOptions extends CallOptions {
  /**
   * 'present': the caller needs only the buckets where some tag has a value, so the frame's size (and the
   * read's work) follows the rows that exist, not the grid of the range; its timestamps may then skip
   * buckets. A provider may return every bucket anyway. Default 'all' (see SensorFrame).
   */
  rows?: FrameRows;
}

/** Reads sensor values, resampled by mean onto the model's resolution. */
export interface SensorDataProvider {
  /**
   * The backend's own description of the read `getData` would run for these arguments (an SQL
   * statement, a Flux or InfluxQL query, a request URL), for logs and troubleshooting. Never holds secrets.
   */
  rangeSpecifier(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): string;
  /**
   * Values of `tags` in [range.fromMs, range.toMs), one column per tag in the order given, bucketed
   * into left-labelled buckets of `resolutionMs` (see SensorFrame). A tag without data yields a column
   * of NaN, not an error; unknown tags likewise. NaN/Inf, duplicate and out-of-order raw points are
   * handled and counted in `quality`. Throws ProviderError (retryable when the backend is unreachable);
   * rejects with an AbortError when `options.signal` fires.
   */
  getData(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number, options?: SensorDataOptions): Promise<SensorFrame>;
}
export const SensorDataProvider: ServiceIdentifier<SensorDataProvider> = Symbol.for('latigo.SensorDataProvider');
