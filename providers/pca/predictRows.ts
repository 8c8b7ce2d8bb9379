import type { PredictionRow } from '../../src/domain/Prediction.js';
import type { PcaParameters } from './PcaParameters.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pcaScorer } from './scorePca.js';
import { anomalyScore } from './anomalyScore.js';
import { currentLag, foldLags, laggedColumns } from './laggedColumns.js';
import { smooth, type Smoothing } from './smoothing.js';

/** Scores are expressed as multiples of their control limit, so the threshold is always 1. */
export const ANOMALY_THRESHOLD = 1;

export interface PredictRowsInput {
  /** One array per model tag, in the model's tag order, and the timestamp of each array position. */
  readonly columns: readonly ArrayLike<number>[];
  readonly timestamps: ArrayLike<number>;
  /** Complete samples in time order: history rows (for lags and smoothing) first, then the rows to predict. */
  readonly rowIndices: ArrayLike<number>;
  /** Position in `rowIndices` of the first row to output; the ones before only feed lags and smoothing. */
  readonly firstOutput: number;
  /** Trailing moving-average length applied to T² and Q before thresholding (1 = none). Ignored when `smoothing` is given. */
  readonly smoothingWindow?: number;
  /** How T² and Q are smoothed before thresholding; default: a mean over `smoothingWindow` rows. */
  readonly smoothing?: Smoothing;
  /** Model tag positions to report outputs and contributions for, in output order (default: every tag). */
  readonly outputTags?: readonly number[];
  /** The score above which a row is anomalous; default ANOMALY_THRESHOLD (the control limit itself). */
  readonly threshold?: number;
  /** Extra details for every output row (e.g. low_coverage: 1). */
  readonly rowDetails?: Readonly<Record<string, number>>;
}

/**
 * Prediction rows from a fitted model. totalAnomaly = the model's statistic over its limit (T̄²/T²_lim,
 * Q̄/Q_lim, or the larger of both, see anomalyScore) where the bars are the trailing smoothing over the
 * latest complete samples (the raw values without smoothing); isAnomaly = totalAnomaly > 1.
 * A dynamic model (lags > 0) scores each sample together with its lagged predecessors in `rowIndices`;
 * its outputs are the reconstruction of the current sample and its contributions are summed over each
 * tag's lagged copies, so both are per original tag. Contributions are the row's own (unsmoothed)
 * reconstruction-based contributions (see PcaScores).
 * `details` holds the raw t2 and q with their limits, plus the smoothed values when smoothing is on.
 */
export function predictRows(params: PcaParameters, input: PredictRowsInput): PredictionRow[] {
  const steps = predictionSteps(params, input);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * predictRows in chunks of about SCORING_CHUNK_CELLS of work, yielding to the event loop between them and
 * stopping with the signal's reason once it fires. Scoring a long window of a wide model takes seconds of
 * CPU; on the loop in one piece it froze the executor, its task deadlines included, so a task ran past its
 * deadline and its lease (issue 14). The rows are the same as predictRows' (the chunks overlap by the lags).
 */
export async function predictRowsYielding(params: PcaParameters, input: PredictRowsInput, signal?: AbortSignal): Promise<PredictionRow[]> {
  const steps = predictionSteps(params, input);
  for (;;) {
    signal?.throwIfAborted();
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}

/**
 * Multiply-adds per chunk of predictionSteps: a few milliseconds of work, so a deadline is late by no more
 * than that, while the turns of the loop between chunks cost next to nothing.
 */
export const SCORING_CHUNK_CELLS = 2_000_000;

/** Rows per chunk for a model: a scored row costs about w·(w + k) multiply-adds for w augmented tags. */
export function scoringChunkRows(params: PcaParameters): number {
  const width = params.means.length;
  return Math.max(16, Math.floor(SCORING_CHUNK_CELLS / (width * (width + params.k))));
}

/** The work of predictRows as a generator that yields between chunks of rows (see predictRowsYielding). */
function* predictionSteps(params: PcaParameters, input: PredictRowsInput): Generator<void, PredictionRow[], void> {
  const lags = params.lags ?? 0;
  const statistic = params.statistic ?? 'both';
  const p = params.means.length / (lags + 1);
  const width = params.means.length;
  const count = input.rowIndices.length;
  const chunkRows = scoringChunkRows(params);
  const score = pcaScorer(params);
  const t2 = new Float64Array(count);
  const q = new Float64Array(count);
  const outputs = new Float64Array(count * p);
  const contributions = new Float64Array(count * p);
  for (let from = 0; from < count; from += chunkRows) {
    const to = Math.min(count, from + chunkRows);
    // A dynamic model's chunk starts `lags` rows early, so its first rows see the same predecessors as in one piece.
    const start = Math.max(0, from - lags);
    const indices = slice(input.rowIndices, start, to);
    const scores = lags === 0 ? score(input.columns, indices) : score(laggedColumns(input.columns, indices, lags));
    const skip = from - start;
    const rows = to - from;
    t2.set(scores.t2.subarray(skip), from);
    q.set(scores.q.subarray(skip), from);
    const chunkOutputs = scores.outputs.subarray(skip * width);
    const chunkContributions = scores.contributions.subarray(skip * width);
    outputs.set(currentLag(chunkOutputs, rows, p, lags), from * p);
    contributions.set(foldLags(chunkContributions, rows, p, lags), from * p);
    yield;
  }
  const smoothing = input.smoothing ?? { method: 'mean', rows: input.smoothingWindow ?? 1 };
  const smoothedT2 = smooth(t2, smoothing);
  const smoothedQ = smooth(q, smoothing);
  const outputTags = input.outputTags;
  const smoothed = smoothing.rows > 1;
  const threshold = input.threshold ?? ANOMALY_THRESHOLD;
  const rows: PredictionRow[] = [];
  for (let r = Math.max(0, input.firstOutput); r < count; r++) {
    const totalAnomaly = anomalyScore(statistic, smoothedT2[r]!, params.t2Limit, smoothedQ[r]!, params.qLimit);
    const details: Record<string, number> = { t2: t2[r]!, t2_limit: params.t2Limit, q: q[r]!, q_limit: params.qLimit };
    if (smoothed) {
      details['t2_smoothed'] = smoothedT2[r]!;
      details['q_smoothed'] = smoothedQ[r]!;
    }
    if (input.rowDetails) Object.assign(details, input.rowDetails);
    rows.push({
      timeMs: input.timestamps[input.rowIndices[r]!]!,
      outputs: pick(outputs, r * p, p, outputTags),
      contributions: pick(contributions, r * p, p, outputTags),
      totalAnomaly,
      threshold,
      isAnomaly: totalAnomaly > threshold,
      details,
    });
    if ((r + 1) % chunkRows === 0) yield;
  }
  return rows;
}

/** Positions `from` .. `to` of the row indices (a view when they are a typed array). */
function slice(indices: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  if (from === 0 && to === indices.length) return indices;
  return indices instanceof Int32Array ? indices.subarray(from, to) : Array.prototype.slice.call(indices, from, to);
}

/** Plain arrays (what PredictionRow holds), copied with a loop: Array.from on a subarray costs several times more. */
function pick(values: Float64Array, offset: number, p: number, tags: readonly number[] | undefined): number[] {
  const count = tags ? tags.length : p;
  const picked = new Array<number>(count);
  for (let i = 0; i < count; i++) picked[i] = values[offset + (tags ? tags[i]! : i)]!;
  return picked;
}
