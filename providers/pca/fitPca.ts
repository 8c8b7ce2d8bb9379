import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { InsufficientDataError } from '../../src/runtime/errors.js';
import { hotellingT2Limit, jacksonMudholkarQLimit } from './controlLimits.js';
import type { PcaParameters } from './PcaParameters.js';

export interface FitPcaOptions {
  /** Keep the fewest leading components whose eigenvalues reach this share of the total (0, 1]. */
  readonly explainedVariance: number;
  /** Confidence of the T² and Q control limits, e.g. 0.99. */
  readonly confidence: number;
}

/** The statistics need a sample covariance (n - 1) and an F distribution with n - k >= 1 degrees of freedom. */
export const MIN_TRAINING_SAMPLES = 3;

/**
 * A tag that did not move during training (a stuck or idle sensor) has standard deviation 0. Its std is
 * floored at this share of max(|mean|, 1) so standardising cannot divide by zero; the tag then adds a
 * zero eigenvalue, which lands in the residual space, and any later movement of it scores a large Q.
 */
const STD_FLOOR_RELATIVE = 1e-9;
/** Eigenvalues below this share of the total variance are rounding noise and set to exactly 0. */
const EIGENVALUE_TOLERANCE = 1e-10;
/**
 * The Q limit when the discarded components carry no training variance at all (e.g. the only discarded
 * direction is a stuck tag): training residuals are zero up to rounding, so any real residual is anomalous.
 * Expressed as a share of the total variance, like the tolerance above.
 */
const Q_LIMIT_FLOOR = 1e-8;

/**
 * Fits the PCA anomaly model on complete training samples, one array per tag (all the same length,
 * no NaN). Pure and deterministic: the same samples give the same parameters.
 *
 * k is the smallest count of leading components reaching `explainedVariance`, then at least 1 and at most
 * p - 1 (so Q always has a residual space to measure, unless p = 1), the number of non-zero eigenvalues and
 * n - 1. With a single tag k = p = 1: there is no residual space, Q is identically 0, qLimit is stored
 * as 0 and the anomaly score is T² alone. Throws InsufficientDataError with fewer than 3 samples or when
 * no tag varied during training.
 */
export function fitPca(columns: readonly ArrayLike<number>[], options: FitPcaOptions): PcaParameters {
  const p = columns.length;
  if (p === 0) throw new RangeError('fitPca needs at least one tag');
  const n = columns[0]!.length;
  if (columns.some((column) => column.length !== n)) throw new RangeError('fitPca: tag columns differ in length');
  if (n < MIN_TRAINING_SAMPLES) {
    throw new InsufficientDataError(`training needs at least ${MIN_TRAINING_SAMPLES} complete samples, got ${n}`);
  }

  const means = columns.map((column) => mean(column));
  const stds = columns.map((column, j) => flooredStd(column, means[j]!));
  const covariance = standardisedCovariance(columns, means, stds);
  const { eigenvalues, eigenvectors } = descendingEigenpairs(covariance);
  const total = eigenvalues.reduce((sum, value) => sum + value, 0);
  if (!(total > 0)) throw new InsufficientDataError('every input tag was constant over the training range');

  const k = retainedComponents(eigenvalues, total, options.explainedVariance, n);
  const t2Limit = hotellingT2Limit(k, n, options.confidence);
  const qLimit = k === p ? 0 : Math.max(jacksonMudholkarQLimit(eigenvalues.slice(k), options.confidence), Q_LIMIT_FLOOR * total);
  return {
    means,
    stds,
    eigenvalues,
    loadings: eigenvectors.slice(0, k),
    k,
    nTrain: n,
    explainedVariance: options.explainedVariance,
    confidence: options.confidence,
    t2Limit,
    qLimit,
  };
}

function retainedComponents(eigenvalues: readonly number[], total: number, share: number, n: number): number {
  const p = eigenvalues.length;
  // The relative slack keeps a share of exactly 1 reachable despite rounding in the eigenvalues.
  const target = share * total * (1 - 1e-12);
  let k = 0;
  for (let cumulative = 0; k < p && cumulative < target; k++) cumulative += eigenvalues[k]!;
  const nonZero = eigenvalues.filter((value) => value > 0).length;
  if (p >= 2) k = Math.min(k, p - 1);
  return Math.max(1, Math.min(k, nonZero, n - 1));
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

function flooredStd(values: ArrayLike<number>, center: number): number {
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - center) ** 2;
  const std = Math.sqrt(squares / (values.length - 1));
  return Math.max(std, STD_FLOOR_RELATIVE * Math.max(Math.abs(center), 1));
}

/** Covariance of the standardised samples (denominator n - 1): the correlation matrix for tags that varied. */
function standardisedCovariance(columns: readonly ArrayLike<number>[], means: number[], stds: number[]): Matrix {
  const p = columns.length;
  const n = columns[0]!.length;
  const z = columns.map((column, j) => {
    const standardised = new Float64Array(n);
    for (let i = 0; i < n; i++) standardised[i] = (column[i]! - means[j]!) / stds[j]!;
    return standardised;
  });
  const covariance = new Matrix(p, p);
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      let sum = 0;
      const za = z[a]!;
      const zb = z[b]!;
      for (let i = 0; i < n; i++) sum += za[i]! * zb[i]!;
      covariance.set(a, b, sum / (n - 1));
      covariance.set(b, a, sum / (n - 1));
    }
  }
  return covariance;
}

/**
 * Symmetric eigendecomposition, eigenpairs sorted by eigenvalue (descending). Rounding noise below the
 * tolerance becomes exactly 0. Each eigenvector's sign is fixed so its largest entry is positive, which
 * makes the stored loadings reproducible and readable (T² and Q do not depend on the sign).
 */
function descendingEigenpairs(covariance: Matrix): { eigenvalues: number[]; eigenvectors: number[][] } {
  const decomposition = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
  const vectors = decomposition.eigenvectorMatrix;
  const trace = covariance.trace();
  const pairs = decomposition.realEigenvalues.map((value, column) => ({
    value: value < EIGENVALUE_TOLERANCE * trace ? 0 : value,
    vector: orientBySign(vectors.getColumn(column)),
  }));
  pairs.sort((a, b) => b.value - a.value);
  return { eigenvalues: pairs.map((pair) => pair.value), eigenvectors: pairs.map((pair) => pair.vector) };
}

function orientBySign(vector: number[]): number[] {
  let largest = 0;
  for (let j = 1; j < vector.length; j++) if (Math.abs(vector[j]!) > Math.abs(vector[largest]!)) largest = j;
  return vector[largest]! < 0 ? vector.map((value) => -value) : vector;
}
