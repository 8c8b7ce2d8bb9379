import type { PredictionSet } from '../../src/domain/Prediction.js';
import type { PredictionLayout } from './config.js';
import { escapeKey, pointLine, seriesKey } from './lineProtocol.js';
import { toStoredName } from './names.js';

/** The `output` tag of each point: what the value is. Model details (e.g. `t2`, `q`) use their own key. */
export const OUTPUT_KINDS = {
  modelOutput: 'model-output',
  contribution: 'anomaly-contribution',
  totalAnomaly: 'total-anomaly',
  threshold: 'anomaly-threshold',
  isAnomaly: 'is-anomaly',
} as const;

export interface PredictionLines {
  readonly lines: string[];
  /** NaN and ±Infinity values left out (line protocol cannot carry them). */
  readonly droppedNonFinite: number;
}

/**
 * Fans a prediction set out into points: per row, one per tag and output kind (output, contribution), and
 * one each for the total anomaly, the threshold, the flag (1 or 0) and every model detail. A point's
 * series is (project, model, revision, output kind, sensor) and its time the row's, so writing the same
 * window again overwrites the same points.
 */
export function predictionLines(set: PredictionSet, layout: PredictionLayout): PredictionLines {
  const { tags } = layout;
  const field = escapeKey(layout.field);
  const base: [string, string][] = [[tags.project, toStoredName(set.project)], [tags.model, toStoredName(set.model)], [tags.revision, toStoredName(set.revision)]];
  // Series keys are built once per set, not per point; tags sorted by key as the server stores them.
  const key = (output: string, sensor?: string): string => {
    const all: [string, string][] = [...base, [tags.output, toStoredName(output)]];
    if (sensor !== undefined) all.push([tags.sensor, toStoredName(sensor)]);
    return seriesKey(layout.measurement, all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  };
  const outputKeys = set.tagNames.map((name) => key(OUTPUT_KINDS.modelOutput, name));
  const contributionKeys = set.tagNames.map((name) => key(OUTPUT_KINDS.contribution, name));
  const totalKey = key(OUTPUT_KINDS.totalAnomaly);
  const thresholdKey = key(OUTPUT_KINDS.threshold);
  const flagKey = key(OUTPUT_KINDS.isAnomaly);
  const detailKeys = new Map<string, string>();

  const lines: string[] = [];
  let droppedNonFinite = 0;
  const push = (series: string, value: number, timeMs: number) => {
    if (Number.isFinite(value)) lines.push(pointLine(series, field, value, timeMs));
    else droppedNonFinite++;
  };
  for (const row of set.rows) {
    const t = row.timeMs;
    for (let i = 0; i < outputKeys.length; i++) {
      push(outputKeys[i]!, row.outputs[i] ?? NaN, t);
      push(contributionKeys[i]!, row.contributions[i] ?? NaN, t);
    }
    push(totalKey, row.totalAnomaly, t);
    push(thresholdKey, row.threshold, t);
    push(flagKey, row.isAnomaly ? 1 : 0, t);
    for (const [name, value] of Object.entries(row.details ?? {})) {
      let detailKey = detailKeys.get(name);
      if (detailKey === undefined) detailKeys.set(name, (detailKey = key(name)));
      push(detailKey, value, t);
    }
  }
  return { lines, droppedNonFinite };
}
