import { performance } from 'node:perf_hooks';
import { fitDetector, type DetectorOptions } from '../providers/pca/fitDetector.js';
import { predictRows } from '../providers/pca/predictRows.js';
import { scoreDetections, type FaultInterval } from '../src/demo/index.js';

/** One asset of a labelled data set: its rows in time order, how many of the first ones are training, its faults. */
export interface LabelledAsset {
  readonly name: string;
  readonly timesMs: Float64Array;
  readonly columns: readonly Float64Array[];
  readonly trainingRows: number;
  readonly faults: readonly FaultInterval[];
}

export interface LabelledSet {
  readonly name: string;
  readonly resolutionMs: number;
  readonly assets: readonly LabelledAsset[];
}

export interface DetectionVariant extends DetectorOptions {
  readonly name: string;
}

export interface VariantResult {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Faults found (three consecutive flags from its start to 5 minutes after its end) over faults. */
  readonly eventRecall: number;
  /** Flagged share of the rows outside every fault (and its 5-minute grace). */
  readonly falseAlarmRate: number;
  /** What the calibration predicted that rate would be, averaged over assets (NaN without calibration). */
  readonly calibratedFalseAlarmRate: number;
  readonly scoredRows: number;
  /** Rows scored per second by predictRows in windows of `windowRows` (training and data generation untimed). */
  readonly rowsPerSecond: number;
  readonly lags: number;
}

/** Flags after a fault's end still belong to it: smoothing and lags carry a fault a few rows on. */
const GRACE_MS = 5 * 60_000;
const MIN_RUN = 3;

/**
 * Trains one model per asset with `variant` on its training rows and scores the rest in windows of
 * `windowRows` rows, each with the history its lags and smoothing need (what the executor does).
 * Point-wise: a row inside a fault interval is a positive; precision and recall count flagged rows.
 */
export function evaluateVariant(set: LabelledSet, variant: DetectionVariant, windowRows: number): VariantResult {
  let truePositives = 0;
  let flagged = 0;
  let positives = 0;
  let normalRows = 0;
  let normalFlagged = 0;
  let scoredRows = 0;
  let scoringMs = 0;
  let calibrated = 0;
  let lags = 0;
  const anomalies: { asset: string; timesMs: number[] }[] = [];
  const faults: FaultInterval[] = [];
  for (const asset of set.assets) {
    const training = asset.columns.map((column) => column.subarray(0, asset.trainingRows));
    const params = fitDetector(training, variant);
    lags = Math.max(lags, params.lags ?? 0);
    calibrated += params.calibration
      ? variant.limitMethod === 'empirical'
        ? params.calibration.falseAlarmRate
        : params.calibration.parametricFalseAlarmRate
      : Number.NaN;
    const history = (params.lags ?? 0) + variant.smoothing.rows - 1;
    const times: number[] = [];
    const n = asset.timesMs.length;
    const t0 = performance.now();
    const rows = [];
    for (let from = asset.trainingRows; from < n; from += windowRows) {
      const first = Math.max(0, from - history);
      const to = Math.min(n, from + windowRows);
      const rowIndices = Int32Array.from({ length: to - first }, (_, i) => first + i);
      rows.push(
        ...predictRows(params, {
          columns: asset.columns,
          timestamps: asset.timesMs,
          rowIndices,
          firstOutput: from - first,
          smoothing: variant.smoothing,
        }),
      );
    }
    scoringMs += performance.now() - t0;
    for (const row of rows) {
      scoredRows++;
      const inFault = asset.faults.some((f) => row.timeMs >= f.fromMs && row.timeMs < f.toMs);
      const nearFault = asset.faults.some((f) => row.timeMs >= f.fromMs && row.timeMs < f.toMs + GRACE_MS);
      if (inFault) positives++;
      if (!nearFault) normalRows++;
      if (!row.isAnomaly) continue;
      times.push(row.timeMs);
      flagged++;
      if (inFault) truePositives++;
      if (!nearFault) normalFlagged++;
    }
    anomalies.push({ asset: asset.name, timesMs: times });
    faults.push(...asset.faults);
  }
  const precision = flagged > 0 ? truePositives / flagged : 0;
  const recall = positives > 0 ? truePositives / positives : 0;
  const events = scoreDetections(faults, anomalies, { graceMs: GRACE_MS, resolutionMs: set.resolutionMs, minRun: MIN_RUN });
  return {
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    eventRecall: events.recall ?? 0,
    falseAlarmRate: normalRows > 0 ? normalFlagged / normalRows : 0,
    calibratedFalseAlarmRate: calibrated / set.assets.length,
    scoredRows,
    rowsPerSecond: scoredRows / (scoringMs / 1000),
    lags,
  };
}
