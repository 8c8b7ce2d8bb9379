import type { StoredForecast } from '../contracts/PredictionReader.js';

/** Accuracy of stored forecasts once their actuals arrived (README "Job types"). */
export interface ForecastAccuracy {
  /** Target points with both a forecast and an actual value. */
  readonly points: number;
  readonly mae: number;
  readonly rmse: number;
  /** MAE of the forecast over the MAE of the seasonal naive forecast (the actual one season earlier) on the same points. */
  readonly mase: number;
  /** Share of actuals inside [lower, upper]; compare with the forecasts' nominal coverage. */
  readonly coverage: number;
}

/**
 * Scores `forecasts` (any number of issues, every tag) against `actual(tag, timeMs)` (NaN when missing). The
 * seasonal naive forecast of a target is the actual `seasonMs` earlier; points where either is missing are skipped.
 */
export function forecastAccuracy(
  forecasts: readonly StoredForecast[],
  actual: (tag: string, timeMs: number) => number,
  seasonMs: number,
): ForecastAccuracy {
  let n = 0;
  let absSum = 0;
  let sqSum = 0;
  let naiveAbsSum = 0;
  let inside = 0;
  for (const f of forecasts) {
    for (const p of f.points) {
      f.tagNames.forEach((tag, i) => {
        const y = actual(tag, p.timeMs);
        const naive = actual(tag, p.timeMs - seasonMs);
        const yhat = p.yhat[i]!;
        if (!Number.isFinite(y) || !Number.isFinite(naive) || !Number.isFinite(yhat)) return;
        n++;
        absSum += Math.abs(y - yhat);
        sqSum += (y - yhat) ** 2;
        naiveAbsSum += Math.abs(y - naive);
        if (y >= p.lower[i]! && y <= p.upper[i]!) inside++;
      });
    }
  }
  return {
    points: n,
    mae: n === 0 ? NaN : absSum / n,
    rmse: n === 0 ? NaN : Math.sqrt(sqSum / n),
    mase: naiveAbsSum === 0 ? NaN : absSum / naiveAbsSum,
    coverage: n === 0 ? NaN : inside / n,
  };
}
