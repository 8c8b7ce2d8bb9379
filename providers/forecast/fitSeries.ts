import type { ForecastParameters } from '../../src/domain/modelKinds/index.js';
import { fitArima } from './arima.js';
import { detectSeasonLength } from './detectSeasonLength.js';
import type { Forecaster } from './Forecaster.js';
import { fitHoltWinters, minimumRows } from './holtWinters.js';

export type FitOutcome =
  | { readonly ok: true; readonly forecaster: Forecaster; readonly seasonLength: number; readonly filled: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Fits the model `parameters` describe on `y` (one tag's last max_n_points rows). Missing values are
 * filled with the previous value (the first finite one at the start), and counted; a series with fewer
 * finite values than the method needs is refused with the reason. The season length is detected when
 * `season_length: auto`; none found means no seasonality.
 */
export function fitSeries(y: Float64Array, parameters: ForecastParameters): FitOutcome {
  let finite = 0;
  for (const v of y) if (Number.isFinite(v)) finite++;
  if (finite < 10) return { ok: false, reason: `${finite} finite values to fit on, need at least 10` };
  const filled = fillForward(y);
  const seasonLength =
    parameters.seasonality === 'none' && parameters.method === 'holt_winters'
      ? 0
      : parameters.season_length === 'auto'
        ? detectSeasonLength(filled.values, { maxLag: Math.floor(filled.values.length / 2) - 1 })
        : parameters.season_length;
  if (parameters.method === 'arima') {
    const { p, d, q, seasonal_p: seasonalP, seasonal_d: seasonalD } = parameters.arima;
    const seasonal = seasonLength >= 2 ? { seasonalP, seasonalD, seasonLength } : { seasonalP: 0, seasonalD: 0, seasonLength: 0 };
    const needed = (p + seasonal.seasonalP * seasonal.seasonLength + d + seasonal.seasonalD * seasonal.seasonLength) * 2 + q * 10 + 20;
    if (filled.values.length < needed)
      return { ok: false, reason: `${filled.values.length} rows to fit on, the ARIMA orders need ${needed}` };
    return { ok: true, forecaster: fitArima(filled.values, { p, d, q, ...seasonal }), seasonLength, filled: filled.count };
  }
  const multiplicativeOk = parameters.seasonality !== 'multiplicative' || filled.values.every((v) => v > 0);
  const spec = {
    trend: parameters.trend,
    seasonality: seasonLength >= 2 && multiplicativeOk ? parameters.seasonality : ('none' as const),
    seasonLength,
    ...(parameters.damping === undefined ? {} : { damping: parameters.damping }),
  };
  if (filled.values.length < minimumRows(spec))
    return { ok: false, reason: `${filled.values.length} rows to fit on, season length ${seasonLength} needs ${minimumRows(spec)}` };
  return {
    ok: true,
    forecaster: fitHoltWinters(filled.values, spec, undefined, { loss: 'horizon', horizon: parameters.horizon }),
    seasonLength,
    filled: filled.count,
  };
}

function fillForward(y: Float64Array): { values: Float64Array; count: number } {
  const values = Float64Array.from(y);
  let last = values.find((v) => Number.isFinite(v)) ?? 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i]!)) last = values[i]!;
    else {
      values[i] = last;
      count++;
    }
  }
  return { values, count };
}
