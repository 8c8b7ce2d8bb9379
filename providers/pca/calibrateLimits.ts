import { InsufficientDataError } from '../../src/runtime/errors.js';
import { anomalyScore } from './anomalyScore.js';
import { fitPca, type FitPcaOptions } from './fitPca.js';
import type { Calibration, PcaStatistic } from './PcaParameters.js';
import { scorePca } from './scorePca.js';
import { smooth, type Smoothing } from './smoothing.js';

/** Folds the training rows are split into; each is scored by a model fitted on the others. */
export const CALIBRATION_FOLDS = 5;
/**
 * Contiguous blocks per fold, spread over the training range (fold f holds blocks f, f + folds, ...), so
 * that every held-out block has training rows on both sides. With one contiguous block per fold, the
 * held-out hours lay outside what their model had seen of slow drifts and daily cycles (on the demo plant,
 * a 2-day training range: held-out 0.99 quantiles of T² 10-45 % above what the final model gives on the same
 * rows and on the following day), and the limits came out several times too wide.
 */
export const BLOCKS_PER_FOLD = 25;
/** Blocks stay this long or longer (fewer blocks per fold on short training ranges), so that the rows a
 *  held-out block shares memory with at its edges (autocorrelation) are a small part of it. */
const MIN_BLOCK_ROWS = 50;
/** A block smaller than this says little about the statistic's distribution. */
const MIN_FOLD_ROWS = 10;
/** Fewest training rows calibration works with: two folds. */
export const MIN_CALIBRATION_ROWS = 2 * MIN_FOLD_ROWS;
/** Floor of an empirical limit, as a share of the number of columns (the total standardised variance),
 *  for statistics that were (near) zero on every held-out row, like fitPca's floor of the Q limit. */
const LIMIT_FLOOR = 1e-8;

export interface CalibrationOptions extends FitPcaOptions {
  readonly statistic: PcaStatistic;
  readonly smoothing: Smoothing;
}

export interface CalibratedLimits {
  /** Empirical limits: the `confidence` quantile of the smoothed held-out statistics. */
  readonly t2Limit: number;
  readonly qLimit: number;
  readonly calibration: Calibration;
}

/**
 * Control limits that keep their promise on data like the training data, autocorrelated or not.
 *
 * The parametric limits (F for T², Jackson–Mudholkar for Q) assume independent samples from one normal
 * distribution, and they judge a sample the model was not fitted on. Sensor data breaks both: it is
 * autocorrelated, and a model judged on its own training rows looks better than on new ones. So the
 * training rows are cut into CALIBRATION_FOLDS folds, each made of BLOCKS_PER_FOLD contiguous blocks
 * spread over the range (contiguous, so that a block's rows are new to its model despite autocorrelation;
 * spread, so that a fold is not an extrapolation of slow cycles the rest of the range covers), each fold
 * is scored by a PCA fitted on the other folds, the statistics are smoothed inside each block as scoring
 * will smooth them, and the limits are the
 * `confidence` quantiles of those held-out values. With statistic 'both', both limits are then widened
 * by one common factor so that *either* exceeding its limit happens on a 1 - confidence share of held-out
 * rows (two limits at 99 % each would otherwise alarm on up to 2 %).
 *
 * The reported false-alarm rate is itself cross-validated: each block is judged against limits computed
 * from the other blocks only, so it measures what the limits do on data they were not set on.
 * `columns` are the (augmented) complete training samples in time order.
 */
export function calibrateLimits(columns: readonly Float64Array[], options: CalibrationOptions): CalibratedLimits {
  const n = columns[0]?.length ?? 0;
  const folds = Math.min(CALIBRATION_FOLDS, Math.floor(n / MIN_FOLD_ROWS));
  if (folds < 2) {
    throw new InsufficientDataError(
      `empirical control limits need at least ${MIN_CALIBRATION_ROWS} training rows, got ${n}; ` +
        'use limits: parametric for a model this small',
    );
  }
  const blockCount = folds * Math.max(1, Math.min(BLOCKS_PER_FOLD, Math.floor(n / (folds * MIN_BLOCK_ROWS))));
  const bounds = Array.from({ length: blockCount + 1 }, (_, b) => Math.floor((b * n) / blockCount));
  const foldRows = Array.from({ length: folds }, (_, f) => blockRows(bounds, f, folds));
  const t2 = new Float64Array(n);
  const q = new Float64Array(n);
  let parametricAlarms = 0;
  for (let f = 0; f < folds; f++) {
    const held = foldRows[f]!;
    const model = fitPca(
      columns.map((column) => without(column, held)),
      options,
    );
    for (let b = f; b < blockCount; b += folds) {
      const from = bounds[b]!;
      const scores = scorePca(model, columns, range(from, bounds[b + 1]!), { statisticsOnly: true });
      const blockT2 = smooth(scores.t2, options.smoothing);
      const blockQ = smooth(scores.q, options.smoothing);
      t2.set(blockT2, from);
      q.set(blockQ, from);
      for (let r = 0; r < blockT2.length; r++) {
        if (anomalyScore(options.statistic, blockT2[r]!, model.t2Limit, blockQ[r]!, model.qLimit) > 1) parametricAlarms++;
      }
    }
  }
  const hasResidual = columns.length > 1;
  const floor = LIMIT_FLOOR * columns.length;
  const limitsOf = (rows: Int32Array) => quantileLimits(t2, q, rows, options, hasResidual, floor);

  let alarms = 0;
  for (let f = 0; f < folds; f++) {
    const limits = limitsOf(concat(foldRows.filter((_, g) => g !== f)));
    for (const r of foldRows[f]!) {
      if (anomalyScore(options.statistic, t2[r]!, limits.t2Limit, q[r]!, limits.qLimit) > 1) alarms++;
    }
  }
  const limits = limitsOf(range(0, n));
  return {
    ...limits,
    calibration: {
      folds,
      rows: n,
      smoothing: { method: options.smoothing.method, rows: options.smoothing.rows },
      falseAlarmRate: alarms / n,
      parametricFalseAlarmRate: parametricAlarms / n,
    },
  };
}

/** The rows of fold `fold`: its blocks fold, fold + folds, ... in time order. */
function blockRows(bounds: readonly number[], fold: number, folds: number): Int32Array {
  const parts: Int32Array[] = [];
  for (let b = fold; b < bounds.length - 1; b += folds) parts.push(range(bounds[b]!, bounds[b + 1]!));
  return concat(parts);
}

/** The confidence quantiles of the held-out statistics at `rows`, widened together for statistic 'both'. */
function quantileLimits(
  t2: Float64Array,
  q: Float64Array,
  rows: Int32Array,
  options: CalibrationOptions,
  hasResidual: boolean,
  floor: number,
): { t2Limit: number; qLimit: number } {
  let t2Limit = Math.max(upperQuantile(pick(t2, rows), options.confidence), floor);
  let qLimit = hasResidual ? Math.max(upperQuantile(pick(q, rows), options.confidence), floor) : 0;
  if (options.statistic === 'both' && qLimit > 0) {
    const combined = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) combined[i] = anomalyScore('both', t2[rows[i]!]!, t2Limit, q[rows[i]!]!, qLimit);
    const widen = Math.max(1, upperQuantile(combined, options.confidence));
    t2Limit *= widen;
    qLimit *= widen;
  }
  return { t2Limit, qLimit };
}

/**
 * The ⌈c·n⌉-th smallest value: at most a 1 - c share of the values lies above it, so flagging values
 * strictly above it flags at most that share of these rows.
 */
export function upperQuantile(values: Float64Array, confidence: number): number {
  if (values.length === 0) throw new RangeError('upperQuantile of no values');
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(values.length, Math.max(1, Math.ceil(confidence * values.length)));
  return sorted[rank - 1]!;
}

/** `column` without the values at `rows` (ascending). */
function without(column: Float64Array, rows: Int32Array): Float64Array {
  const kept = new Float64Array(column.length - rows.length);
  let k = 0;
  let skip = 0;
  for (let r = 0; r < column.length; r++) {
    if (skip < rows.length && rows[skip] === r) {
      skip++;
      continue;
    }
    kept[k++] = column[r]!;
  }
  return kept;
}

function range(from: number, to: number): Int32Array {
  const indices = new Int32Array(Math.max(0, to - from));
  for (let i = 0; i < indices.length; i++) indices[i] = from + i;
  return indices;
}

function concat(parts: readonly Int32Array[]): Int32Array {
  const joined = new Int32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

function pick(values: Float64Array, rows: Int32Array): Float64Array {
  const picked = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) picked[i] = values[rows[i]!]!;
  return picked;
}
