import type { ForecastSet } from './Forecast.js';
import type { TimeRange } from './TimeRange.js';

/** One predicted timestamp of one model. Arrays are aligned with `PredictionSet.tagNames`. */
export interface PredictionRow {
  readonly timeMs: number;
  /** The model's output (reconstruction or forecast) per target tag, in the tag's unit. */
  readonly outputs: readonly number[];
  /** Each tag's share of the anomaly score (non-negative; larger means more to blame). */
  readonly contributions: readonly number[];
  /** The model's overall anomaly score at this timestamp. */
  readonly totalAnomaly: number;
  /** The score above which the timestamp counts as anomalous. */
  readonly threshold: number;
  readonly isAnomaly: boolean;
  /** Model-specific extra scores, e.g. `{ t2, t2_limit, q, q_limit }`; never holds secrets. */
  readonly details?: Readonly<Record<string, number>>;
}

/** All predictions of one task: one model revision over one window. */
export interface PredictionSet {
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly window: TimeRange;
  readonly tagNames: readonly string[];
  readonly rows: readonly PredictionRow[];
  /** What the model skipped and why, e.g. `{ incomplete_rows: 3 }`; recorded with the window (invariant 7). */
  readonly counts?: Readonly<Record<string, number>>;
  /** What a `forecast` model predicts beyond the window (src/domain/Forecast.ts); absent for other kinds. */
  readonly forecast?: ForecastSet;
}
