import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { ModelExecutionProvider, ModelStatus } from '../../src/contracts/ModelExecutionProvider.js';
import type { ForecastPoint } from '../../src/domain/Forecast.js';
import type { ModelDescription, ModelRef } from '../../src/domain/ModelDescription.js';
import type { PredictionRow, PredictionSet } from '../../src/domain/Prediction.js';
import type { SensorFrame } from '../../src/domain/SensorFrame.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import {
  checkWithSchema,
  describeParameterIssues,
  forecastAnomalyParametersSchema,
  forecastParametersSchema,
  modelKindOf,
  type ForecastParameters,
} from '../../src/domain/modelKinds/index.js';
import { InsufficientDataError, InvalidDataError, throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { Forecaster } from './Forecaster.js';
import { fitSeries } from './fitSeries.js';

const MAX_CACHED_FITS = 2_000;

/**
 * The `forecast` and `forecast_anomaly` kinds: one univariate model per target tag.
 *
 * Fits happen on a schedule, not per window: the fit for a window is made at the last multiple of
 * `refit_interval_ms` at or before the window's start, on the `max_n_points` rows before that instant.
 * Every executor that runs a window of that period fits the same data, so the result does not depend on
 * which executor ran it (and a redelivery stores the same forecast); each process keeps its fits in memory.
 * Between fits the state is moved forward with the rows since the fit.
 *
 * Rows of the window carry the one-step-ahead forecast as `outputs`; for `forecast_anomaly` a row is
 * anomalous when an actual value falls outside its interval, scored by the distance past the interval in
 * half-widths (the largest over tags; each tag's distance in its own unit is its contribution). A `forecast`
 * model also issues, at the window's end, `horizon` steps with intervals (PredictionSet.forecast).
 */
export class ForecastModelExecutionProvider implements ModelExecutionProvider {
  private readonly fits = new Map<string, Forecaster | string>();
  /** Fits made by this process (for the benchmark and logs). */
  fitCount = 0;

  constructor(private readonly log: Logger) {}

  register(model: ModelDescription): Promise<ModelStatus> {
    parametersOf(model);
    return Promise.resolve({ state: 'ready', revision: model.revision });
  }

  unregister(model: ModelRef): Promise<void> {
    const prefix = JSON.stringify([model.project, model.name]).slice(0, -1);
    for (const key of this.fits.keys()) if (key.startsWith(prefix)) this.fits.delete(key);
    return Promise.resolve();
  }

  status(model: ModelRef & { revision?: string }): Promise<ModelStatus> {
    return Promise.resolve({ state: 'ready', ...(model.revision === undefined ? {} : { revision: model.revision }) });
  }

  requiredHistoryRows(model: ModelDescription): number {
    const p = parametersOf(model);
    return p.max_n_points + Math.ceil(p.refit_interval_ms / model.resolutionMs);
  }

  async execute(model: ModelDescription, data: SensorFrame, window: TimeRange, options?: CallOptions): Promise<PredictionSet> {
    await Promise.resolve(); // errors below reject the promise instead of throwing at the call
    throwIfAborted(options?.signal);
    const p = parametersOf(model);
    const anomaly = modelKindOf(model) === 'forecast_anomaly';
    const res = model.resolutionMs;
    const fitAtMs = Math.floor(window.fromMs / p.refit_interval_ms) * p.refit_interval_ms;
    const tagNames = model.targetTags.map((t) => t.name);
    const counts: Record<string, number> = { filled_fit_values: 0 };
    const forecasters = tagNames.map((tag) => {
      const column = data.columns[data.tags.findIndex((t) => t.name === tag)];
      if (column === undefined) throw new InvalidDataError(`model ${model.project}/${model.name}: target tag ${tag} is not an input tag`);
      return { column, forecaster: this.fitted(model, p, tag, column, data.timestamps, fitAtMs, counts).clone() };
    });
    const rows: PredictionRow[] = [];
    const z = (f: Forecaster) => f.forecast(1, p.coverage);
    for (let i = 0; i < data.timestamps.length; i++) {
      const t = data.timestamps[i]!;
      if (t < fitAtMs || t >= window.toMs) continue;
      if (t >= window.fromMs) {
        const outputs: number[] = [];
        const contributions: number[] = [];
        let worst = 0;
        for (const { column, forecaster } of forecasters) {
          const next = z(forecaster);
          const actual = column[i]!;
          const halfWidth = next.upper[0]! - next.yhat[0]!;
          const distance = Number.isFinite(actual) ? Math.max(0, actual - next.upper[0]!, next.lower[0]! - actual) : 0;
          outputs.push(next.yhat[0]!);
          contributions.push(distance);
          worst = Math.max(worst, halfWidth > 0 ? distance / halfWidth : distance > 0 ? Infinity : 0);
        }
        rows.push({
          timeMs: t,
          outputs,
          contributions: anomaly ? contributions : contributions.map(() => 0),
          totalAnomaly: anomaly ? worst : 0,
          threshold: 0,
          isAnomaly: anomaly && worst > 0,
        });
      }
      for (const { column, forecaster } of forecasters) forecaster.update(column[i]!);
    }
    if (rows.length === 0) throw new InsufficientDataError(`model ${model.project}/${model.name}: no rows in the window`);
    const set: PredictionSet = { project: model.project, model: model.name, revision: model.revision, window, tagNames, rows, counts };
    if (anomaly) return set;
    const paths = forecasters.map(({ forecaster }) => forecaster.forecast(p.horizon, p.coverage));
    const points: ForecastPoint[] = Array.from({ length: p.horizon }, (_, h) => ({
      timeMs: window.toMs + h * res,
      yhat: paths.map((path) => path.yhat[h]!),
      lower: paths.map((path) => path.lower[h]!),
      upper: paths.map((path) => path.upper[h]!),
    }));
    return { ...set, forecast: { issuedAtMs: window.toMs, coverage: p.coverage, points } };
  }

  /** The fit of one tag for the period starting at `fitAtMs`, from this process's cache or made now. */
  private fitted(
    model: ModelDescription,
    p: ForecastParameters,
    tag: string,
    column: Float64Array,
    timestamps: Float64Array,
    fitAtMs: number,
    counts: Record<string, number>,
  ): Forecaster {
    const key = JSON.stringify([model.project, model.name, model.revision, tag, fitAtMs]);
    let fit = this.fits.get(key);
    if (fit === undefined) {
      const from = fitAtMs - p.max_n_points * model.resolutionMs;
      let first = 0;
      while (first < timestamps.length && timestamps[first]! < from) first++;
      let end = first;
      while (end < timestamps.length && timestamps[end]! < fitAtMs) end++;
      const outcome = fitSeries(column.subarray(first, end), p);
      this.fitCount++;
      fit = outcome.ok ? outcome.forecaster : outcome.reason;
      if (outcome.ok) {
        counts['filled_fit_values'] = (counts['filled_fit_values'] ?? 0) + outcome.filled;
        this.log.debug('forecast fitted', { project: model.project, model: model.name, tag, fitAtMs, seasonLength: outcome.seasonLength });
      }
      if (this.fits.size >= MAX_CACHED_FITS) this.fits.delete(this.fits.keys().next().value!);
      this.fits.set(key, fit);
    }
    if (typeof fit === 'string')
      throw new InsufficientDataError(`model ${model.project}/${model.name}: tag ${tag} at ${new Date(fitAtMs).toISOString()}: ${fit}`);
    return fit;
  }
}

function parametersOf(model: ModelDescription): ForecastParameters {
  const schema = modelKindOf(model) === 'forecast_anomaly' ? forecastAnomalyParametersSchema : forecastParametersSchema;
  const check = checkWithSchema(schema, model.parameters);
  if (!check.ok) throw new InvalidDataError(`model ${model.project}/${model.name}: ${describeParameterIssues(check.issues)}`);
  return check.parameters;
}
