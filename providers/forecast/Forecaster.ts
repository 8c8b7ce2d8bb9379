/** A forecast h steps ahead: point forecasts with the lower and upper bounds of the prediction interval. */
export interface ForecastPath {
  readonly yhat: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/**
 * A fitted univariate model positioned after the last value it consumed. Fitting is costly and done on a
 * schedule; between fits `update` moves the state forward with new values (parameters unchanged).
 */
export interface Forecaster {
  /** Consumes the next observation; NaN (a missing bucket) advances the state on the forecast instead. */
  update(value: number): void;
  /** The next `horizon` steps with intervals of nominal `coverage`. */
  forecast(horizon: number, coverage: number): ForecastPath;
  /** An independent copy at the same position (the cached fit stays where it was). */
  clone(): Forecaster;
  /** Standard deviation of the one-step errors on the fitted data. */
  readonly sigma: number;
}
