import type uPlot from 'uplot';
import { api, modelPath, query } from './api.js';
import { indexOf, iso, stretches, type ModelSeries } from './seriesGrid.js';
import type { PredictionColumns, SensorData } from './types.js';

export { chunksOf, emptySeries, endOf, iso, shiftedSeries, stretches, type ModelSeries } from './seriesGrid.js';

/**
 * Reads one chunk's sensor data and predictions (every page) into `series`, calling `updated` when both landed
 * and, with `eachPart`, also when the sensor data did (the first chunk: the charts appear before the predictions).
 */
export async function loadChunk(
  project: string,
  model: string,
  series: ModelSeries,
  fromMs: number,
  toMs: number,
  signal: AbortSignal,
  updated: () => void,
  eachPart = false,
): Promise<void> {
  const range = { from: iso(fromMs), to: iso(toMs) };
  const readSensors = api<SensorData>(`${modelPath(project, model)}/sensor-data${query(range)}`, { signal }).then((data) => {
    const columns = series.tags.map((tag) => data.columns[data.tags.indexOf(tag)]);
    data.timestamps.forEach((t, k) => {
      const i = indexOf(series, Date.parse(t));
      if (i === undefined) return;
      columns.forEach((column, c) => {
        if (column !== undefined) series.sensor[c]![i] = column[k] ?? null;
      });
    });
    series.rows += data.timestamps.length;
    if (eachPart) updated();
  });
  // format=columns: one array per field, written straight into the grid (no object per row on either side).
  const readPredictions = async () => {
    let cursor: string | undefined;
    do {
      const page = await api<PredictionColumns>(
        `${modelPath(project, model)}/predictions${query({ ...range, fields: 'outputs', format: 'columns', limit: 10_000, cursor })}`,
        { signal },
      );
      const outputs = series.tags.map((tag) => page.outputs?.[page.tags.indexOf(tag)]);
      for (let k = 0; k < page.time.length; k++) {
        const i = indexOf(series, Date.parse(page.time[k]!));
        if (i === undefined) continue;
        series.score[i] = page.totalAnomaly[k] ?? null;
        series.threshold[i] = page.threshold[k] ?? null;
        series.flags[i] = page.isAnomaly[k] ? 1 : 0;
        for (let t = 0; t < outputs.length; t++) {
          const column = outputs[t];
          if (column !== undefined) series.output[t]![i] = column[k] ?? null;
        }
      }
      series.predictions += page.time.length;
      cursor = page.next;
    } while (cursor !== undefined);
  };
  await Promise.all([readSensors, readPredictions()]);
  series.anomalous = stretches(series);
  updated();
}

export function scoreData(s: ModelSeries): uPlot.AlignedData {
  return [s.x, s.score, s.threshold];
}
export function tagData(s: ModelSeries, t: number): uPlot.AlignedData {
  return [s.x, s.sensor[t]!, s.output[t]!];
}
