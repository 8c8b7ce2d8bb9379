import {
  outputSeriesName,
  perModelOperations,
  perTagOperations,
  type OutputOperation,
  type PredictionRow,
} from '../../src/domain/index.js';
import type { DataApiConfig } from './config.js';
import type { SeriesSpec } from './DataApiClient.js';

/** One output series of a model: its spec, what it holds and how to read that value from a row. */
export interface OutputColumn {
  readonly spec: SeriesSpec;
  readonly operation: OutputOperation;
  /** The tag's position in the model's tag names; -1 for the model-wide series (under the indicator tag). */
  readonly tagIndex: number;
  readonly valueOf: (row: PredictionRow) => number;
}

/** The spec of one series latigo writes for a model (a prediction or forecast output), named by `output.naming`. */
export function seriesSpec(
  model: { readonly project: string; readonly model: string; readonly revision: string },
  output: DataApiConfig['output'],
  tag: string,
  facility: string,
  operation: string,
): SeriesSpec {
  return {
    name: outputSeriesName(output.naming, { tag, operation, model: model.model, project: model.project, revision: model.revision }),
    facility,
    step: true,
    unit: '',
    externalId: '',
    description: `latigo ${operation} of ${model.project}/${model.model} for ${tag}`,
  };
}

/**
 * The series a model revision's predictions are written to (and read from), named by `output.naming`: per
 * tag `model-output` and `tag-anomaly` in the tag's facility, and per model, under `output.indicator_tag` in
 * the facility of the first tag, `total-anomaly`, `anomaly-threshold` and `anomaly-flag` (1 or 0).
 */
export function outputSeries(
  model: { readonly project: string; readonly model: string; readonly revision: string; readonly tagNames: readonly string[] },
  facilities: readonly string[],
  output: DataApiConfig['output'],
): OutputColumn[] {
  const spec = (tag: string, facility: string, operation: OutputOperation) => seriesSpec(model, output, tag, facility, operation);
  const columns: OutputColumn[] = [];
  model.tagNames.forEach((tag, i) => {
    const [outputs, contributions] = perTagOperations;
    columns.push({ spec: spec(tag, facilities[i]!, outputs), operation: outputs, tagIndex: i, valueOf: (row) => row.outputs[i] ?? NaN });
    columns.push({
      spec: spec(tag, facilities[i]!, contributions),
      operation: contributions,
      tagIndex: i,
      valueOf: (row) => row.contributions[i] ?? NaN,
    });
  });
  const modelFacility = facilities[0]!;
  const indicator = output.indicatorTag.replaceAll('{facility}', modelFacility);
  const perModel: Record<(typeof perModelOperations)[number], (row: PredictionRow) => number> = {
    'total-anomaly': (row) => row.totalAnomaly,
    'anomaly-threshold': (row) => row.threshold,
    'anomaly-flag': (row) => (row.isAnomaly ? 1 : 0),
  };
  for (const operation of perModelOperations)
    columns.push({ spec: spec(indicator, modelFacility, operation), operation, tagIndex: -1, valueOf: perModel[operation] });
  return columns;
}
