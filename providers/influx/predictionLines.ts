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
  /** Per sensor, its position in the model's tag names (the reader restores their order from it). */
  tagIndex: 'tag-index',
  /** A forecast's point forecast and interval bounds (per sensor) and its nominal coverage (model-wide). */
  forecastYhat: 'forecast-yhat',
  forecastLower: 'forecast-lower',
  forecastUpper: 'forecast-upper',
  forecastCoverage: 'forecast-coverage',
} as const;

/** Output kinds that are not model details: a detail of one of these names would be read back as something else. */
export const RESERVED_OUTPUTS: ReadonlySet<string> = new Set(Object.values(OUTPUT_KINDS));

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
  const field = escapeKey(layout.field);
  const key = seriesKeys(set, layout);
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

/** Series keys of one set's points: (project, model, revision, output kind, sensor, issued at), tags sorted by key as the server stores them. */
function seriesKeys(set: PredictionSet, layout: PredictionLayout) {
  const { tags } = layout;
  const base: [string, string][] = [
    [tags.project, toStoredName(set.project)],
    [tags.model, toStoredName(set.model)],
    [tags.revision, toStoredName(set.revision)],
  ];
  return (output: string, sensor?: string, issuedAtMs?: number): string => {
    const all: [string, string][] = [...base, [tags.output, toStoredName(output)]];
    if (sensor !== undefined) all.push([tags.sensor, toStoredName(sensor)]);
    if (issuedAtMs !== undefined) all.push([tags.issuedAt, issuedAtTag(issuedAtMs)]);
    return seriesKey(
      layout.measurement,
      all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  };
}

/** The `issued_at` tag value of a forecast's points: the issue time in ISO 8601 (UTC, milliseconds). */
export function issuedAtTag(issuedAtMs: number): string {
  return new Date(issuedAtMs).toISOString();
}

/**
 * The order of the set's tag names, one `tag-index` point per sensor at `timeMs` (the first row's time, or
 * the forecast's issue): InfluxDB keeps no order of tags, and rows are read back aligned with the names.
 */
export function tagOrderLines(set: PredictionSet, layout: PredictionLayout, timeMs: number): string[] {
  const field = escapeKey(layout.field);
  const key = seriesKeys(set, layout);
  return set.tagNames.map((name, i) => pointLine(key(OUTPUT_KINDS.tagIndex, name), field, i, timeMs));
}

/**
 * A forecast as named series: per target time and sensor a `forecast-yhat`, `forecast-lower` and
 * `forecast-upper` point, and one `forecast-coverage` point at the issue time, each tagged with the issue
 * time (`tags.issued_at`). Its series and time identify a point, so storing the same issue again overwrites it.
 */
export function forecastLines(set: PredictionSet, layout: PredictionLayout): PredictionLines {
  const forecast = set.forecast;
  if (forecast === undefined) return { lines: [], droppedNonFinite: 0 };
  const field = escapeKey(layout.field);
  const key = seriesKeys(set, layout);
  const issued = forecast.issuedAtMs;
  const kinds = [
    [OUTPUT_KINDS.forecastYhat, 'yhat'],
    [OUTPUT_KINDS.forecastLower, 'lower'],
    [OUTPUT_KINDS.forecastUpper, 'upper'],
  ] as const;
  const keys = kinds.map(([output]) => set.tagNames.map((name) => key(output, name, issued)));
  const lines: string[] = [];
  let droppedNonFinite = 0;
  const push = (series: string, value: number, timeMs: number) => {
    if (Number.isFinite(value)) lines.push(pointLine(series, field, value, timeMs));
    else droppedNonFinite++;
  };
  push(key(OUTPUT_KINDS.forecastCoverage, undefined, issued), forecast.coverage, issued);
  for (const point of forecast.points) {
    kinds.forEach(([, name], k) => {
      const values = point[name];
      for (let i = 0; i < set.tagNames.length; i++) push(keys[k]![i]!, values[i] ?? NaN, point.timeMs);
    });
  }
  return { lines, droppedNonFinite };
}
