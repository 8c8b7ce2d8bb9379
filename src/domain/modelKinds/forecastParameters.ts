import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** ARIMA(p, d, q)(P, D, 0)_s orders; the seasonal part uses `season_length`. */
const arimaOrder = z.strictObject({
  p: z.number().int().min(0).max(10).default(2),
  d: z.number().int().min(0).max(2).default(0),
  q: z.number().int().min(0).max(5).default(0),
  seasonal_p: z.number().int().min(0).max(2).default(0),
  seasonal_d: z.number().int().min(0).max(1).default(0),
});

/**
 * Parameters of the `forecast` kind (and the base of `forecast_anomaly`): a univariate model per target
 * tag, fitted on its last `max_n_points` rows, refitted every `refit_interval_ms` (not at every window).
 */
export const forecastParametersSchema = z.strictObject({
  kind: z.literal(['forecast', 'forecast_anomaly']).optional(),
  method: z.enum(['holt_winters', 'arima']).default('holt_winters'),
  /** Holt-Winters trend: none, additive (Holt), or additive damped by `damping` (0 < phi <= 1). */
  trend: z.enum(['none', 'additive', 'damped']).default('additive'),
  /** Fixed damping factor phi; estimated when omitted. */
  damping: z.number().gt(0).max(1).optional(),
  seasonality: z.enum(['none', 'additive', 'multiplicative']).default('additive'),
  /** Rows per season; `auto` detects it from the autocorrelation of the fitted history. */
  season_length: z.union([z.literal('auto'), z.number().int().min(2).max(10_000)]).default('auto'),
  arima: arimaOrder.default({ p: 2, d: 0, q: 0, seasonal_p: 0, seasonal_d: 0 }),
  max_n_points: positiveInt.min(10).max(100_000).default(2016),
  /** Steps ahead (at the model's resolution) each forecast covers. */
  horizon: positiveInt.max(10_000).default(288),
  /** Nominal coverage of the lower/upper prediction interval. */
  coverage: z.number().gt(0.5).lt(1).default(0.95),
  refit_interval_ms: positiveInt.default(86_400_000),
});
export type ForecastParameters = z.output<typeof forecastParametersSchema>;

/** `forecast_anomaly`: an actual value outside the one-step-ahead interval is anomalous; its distance is the score. */
export const forecastAnomalyParametersSchema = forecastParametersSchema.extend({
  horizon: positiveInt.max(10_000).default(1),
});
export type ForecastAnomalyParameters = z.output<typeof forecastAnomalyParametersSchema>;
