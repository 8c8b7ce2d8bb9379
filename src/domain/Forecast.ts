/** One target time of a forecast: per tag (aligned with `PredictionSet.tagNames`) the point forecast and its interval. */
export interface ForecastPoint {
  readonly timeMs: number;
  readonly yhat: readonly number[];
  readonly lower: readonly number[];
  readonly upper: readonly number[];
}

/**
 * A forecast issued by a model revision at `issuedAtMs` (the end of the window that produced it) for
 * the target times that follow. Stored idempotently per (model, revision, issued at, target time).
 */
export interface ForecastSet {
  readonly issuedAtMs: number;
  /** Nominal coverage of [lower, upper], e.g. 0.95. */
  readonly coverage: number;
  readonly points: readonly ForecastPoint[];
}
