import type { ModelRef } from '../domain/ModelDescription.js';
import type { ReadForecastOptions, StoredForecast } from '../contracts/PredictionReader.js';
import type { SensorFrame } from '../domain/SensorFrame.js';
import type { SensorTag } from '../domain/SensorTag.js';
import type { TimeRange } from '../domain/TimeRange.js';
import { forecastAccuracy, type ForecastAccuracy } from './forecastAccuracy.js';

/** Forecasts read at most per evaluation: a year of daily forecasts. */
const MAX_FORECASTS = 366;

export interface ForecastEvaluationSources {
  readForecast(model: ModelRef, options?: ReadForecastOptions): Promise<StoredForecast | undefined>;
  getData(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): Promise<SensorFrame>;
}

export interface ForecastEvaluation extends ForecastAccuracy {
  readonly project: string;
  readonly model: string;
  /** Stored forecasts scored: issued in the range, each covering the time after the previous one's targets. */
  readonly forecasts: number;
  /** The intervals' nominal coverage (of the newest forecast scored); null without forecasts. */
  readonly nominalCoverage: number | null;
  readonly seasonMs: number;
}

/**
 * `latigo evaluate` for a `forecast` model: the stored forecasts issued in `range`, newest first, each
 * chosen as the one in force just before the previous one's first target minus its span, so the scored
 * forecasts tile time and every target is scored once; their MAE, RMSE, MASE against the seasonal naive
 * forecast (the actual `seasonMs` earlier) and interval coverage against the actuals read at the model's
 * resolution. Targets without an actual yet are skipped.
 */
export async function evaluateForecasts(
  sources: ForecastEvaluationSources,
  model: ModelRef,
  options: { readonly range: TimeRange; readonly resolutionMs: number; readonly seasonMs: number },
): Promise<ForecastEvaluation> {
  const forecasts: StoredForecast[] = [];
  let asOfMs = options.range.toMs - 1;
  while (forecasts.length < MAX_FORECASTS) {
    const f = await sources.readForecast(model, { asOfMs });
    if (f === undefined || f.issuedAtMs < options.range.fromMs || f.points.length === 0) break;
    forecasts.push(f);
    const span = f.points[f.points.length - 1]!.timeMs - f.points[0]!.timeMs;
    asOfMs = f.issuedAtMs - span - 1;
  }
  const base = { project: model.project, model: model.name, forecasts: forecasts.length, seasonMs: options.seasonMs };
  if (forecasts.length === 0) return { ...base, ...forecastAccuracy([], () => NaN, options.seasonMs), nominalCoverage: null };
  const tagNames = [...new Set(forecasts.flatMap((f) => f.tagNames))];
  const times = forecasts.flatMap((f) => f.points.map((p) => p.timeMs));
  const fromMs = Math.min(...times) - options.seasonMs;
  const frame = await sources.getData(
    tagNames.map((name) => ({ name, asset: '' })),
    { fromMs, toMs: Math.max(...times) + options.resolutionMs },
    options.resolutionMs,
  );
  const rowOf = new Map<number, number>();
  frame.timestamps.forEach((t, i) => rowOf.set(t, i));
  const actual = (tag: string, timeMs: number) => {
    const row = rowOf.get(timeMs);
    const column = frame.columns[frame.tags.findIndex((t) => t.name === tag)];
    return row === undefined || column === undefined ? NaN : column[row]!;
  };
  return { ...base, ...forecastAccuracy(forecasts, actual, options.seasonMs), nominalCoverage: forecasts[0]!.coverage };
}
