import type { PredictionRow } from '../../../src/domain/Prediction.js';
import type { PcaParameters } from './PcaParameters.js';
import { scorePca } from './scorePca.js';
import { trailingMean } from './smoothing.js';

/** Scores are expressed as multiples of their control limit, so the threshold is always 1. */
export const ANOMALY_THRESHOLD = 1;

export interface PredictRowsInput {
  /** One array per model tag, in the model's tag order, and the timestamp of each array position. */
  readonly columns: readonly ArrayLike<number>[];
  readonly timestamps: ArrayLike<number>;
  /** Complete samples in time order: history rows for smoothing first, then the rows to predict. */
  readonly rowIndices: ArrayLike<number>;
  /** Position in `rowIndices` of the first row to output; the ones before only feed the smoothing. */
  readonly firstOutput: number;
  /** Trailing moving-average length applied to T² and Q before thresholding (1 = none). */
  readonly smoothingWindow: number;
  /** Model tag positions to report outputs and contributions for, in output order (default: every tag). */
  readonly outputTags?: readonly number[];
}

/**
 * Prediction rows from a fitted model. totalAnomaly = max(T̄² / T²_lim, Q̄ / Q_lim) where the bars are
 * the trailing means over `smoothingWindow` complete samples (the raw values when the window is 1);
 * isAnomaly = totalAnomaly > 1. Contributions are the row's own (unsmoothed) reconstruction-based
 * contributions (see PcaScores).
 * `details` holds the raw t2 and q with their limits, plus the smoothed values when smoothing is on.
 */
export function predictRows(params: PcaParameters, input: PredictRowsInput): PredictionRow[] {
  const scores = scorePca(params, input.columns, input.rowIndices);
  const smoothedT2 = trailingMean(scores.t2, input.smoothingWindow);
  const smoothedQ = trailingMean(scores.q, input.smoothingWindow);
  const p = params.means.length;
  const outputTags = input.outputTags;
  const smoothing = input.smoothingWindow > 1;
  const rows: PredictionRow[] = [];
  for (let r = Math.max(0, input.firstOutput); r < scores.count; r++) {
    // With k = p there is no residual space: Q is identically 0 and only T² can raise an alarm.
    const qRatio = params.qLimit > 0 ? smoothedQ[r]! / params.qLimit : 0;
    const totalAnomaly = Math.max(smoothedT2[r]! / params.t2Limit, qRatio);
    const details: Record<string, number> = { t2: scores.t2[r]!, t2_limit: params.t2Limit, q: scores.q[r]!, q_limit: params.qLimit };
    if (smoothing) {
      details['t2_smoothed'] = smoothedT2[r]!;
      details['q_smoothed'] = smoothedQ[r]!;
    }
    rows.push({
      timeMs: input.timestamps[input.rowIndices[r]!]!,
      outputs: pick(scores.outputs, r * p, p, outputTags),
      contributions: pick(scores.contributions, r * p, p, outputTags),
      totalAnomaly,
      threshold: ANOMALY_THRESHOLD,
      isAnomaly: totalAnomaly > ANOMALY_THRESHOLD,
      details,
    });
  }
  return rows;
}

/** Plain arrays (what PredictionRow holds), copied with a loop: Array.from on a subarray costs several times more. */
function pick(values: Float64Array, offset: number, p: number, tags: readonly number[] | undefined): number[] {
  const count = tags ? tags.length : p;
  const picked = new Array<number>(count);
  for (let i = 0; i < count; i++) picked[i] = values[offset + (tags ? tags[i]! : i)]!;
  return picked;
}
