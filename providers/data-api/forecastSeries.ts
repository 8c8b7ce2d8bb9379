import type { ForecastPoint } from '../../src/domain/index.js';
import type { DataApiConfig } from './config.js';
import type { SeriesSpec } from './DataApiClient.js';
import { seriesSpec } from './outputSeries.js';

/** Per target tag: a forecast's point forecast and interval bounds, at each target time. */
export const perTagForecastOperations = ['forecast-yhat', 'forecast-lower', 'forecast-upper'] as const;
/**
 * Per model, under the indicator tag: `forecast-issued-at` holds, at each target time, the issue time (epoch
 * ms) of the forecast that wrote that target time last; `forecast-coverage` holds, at each issue time, the
 * forecast's nominal coverage (so its timestamps list the issues).
 */
export const perModelForecastOperations = ['forecast-issued-at', 'forecast-coverage'] as const;
export type ForecastOperation = (typeof perTagForecastOperations)[number] | (typeof perModelForecastOperations)[number];

type Bound = 'yhat' | 'lower' | 'upper';
const BOUND: Record<(typeof perTagForecastOperations)[number], Bound> = {
  'forecast-yhat': 'yhat',
  'forecast-lower': 'lower',
  'forecast-upper': 'upper',
};

/** One forecast series of a model: its spec, and for a per-tag series the tag's position and the bound it holds. */
export interface ForecastColumn {
  readonly spec: SeriesSpec;
  readonly operation: ForecastOperation;
  /** The tag's position in the model's tag names; -1 for the model-wide series (under the indicator tag). */
  readonly tagIndex: number;
  /** The value of this series at a target time; undefined for the model-wide series. */
  readonly valueAt?: (point: ForecastPoint) => number;
  readonly bound?: Bound;
}

/**
 * The series a model revision's forecasts are written to (and read from), named by `output.naming` like the
 * prediction series (outputSeries.ts): one value per timestamp, as the Data API keeps, so the yhat/lower/upper
 * series hold the latest issue per target time (README: a past issue's target times that a later issue
 * forecast again read as that later issue's, so they are left out of the past issue).
 */
export function forecastSeries(
  model: { readonly project: string; readonly model: string; readonly revision: string; readonly tagNames: readonly string[] },
  facilities: readonly string[],
  output: DataApiConfig['output'],
): ForecastColumn[] {
  const spec = (tag: string, facility: string, operation: ForecastOperation) => seriesSpec(model, output, tag, facility, operation);
  const columns: ForecastColumn[] = [];
  model.tagNames.forEach((tag, i) => {
    for (const operation of perTagForecastOperations) {
      const bound = BOUND[operation];
      columns.push({ spec: spec(tag, facilities[i]!, operation), operation, tagIndex: i, bound, valueAt: (p) => p[bound][i] ?? NaN });
    }
  });
  const modelFacility = facilities[0]!;
  const indicator = output.indicatorTag.replaceAll('{facility}', modelFacility);
  for (const operation of perModelForecastOperations)
    columns.push({ spec: spec(indicator, modelFacility, operation), operation, tagIndex: -1 });
  return columns;
}
