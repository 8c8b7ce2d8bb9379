import type { PcaParameters } from './PcaParameters.js';

/** Scores of `count` samples. Per-tag arrays are row-major, `count × p`. */
export interface PcaScores {
  readonly count: number;
  /** Hotelling's T² in the retained component space: Σ_c t_c² / λ_c. */
  readonly t2: Float64Array;
  /** Q, the squared prediction error: the squared length of the standardised residual. */
  readonly q: Float64Array;
  /**
   * Each tag's reconstruction-based contribution (Alcala & Qin, 2009) to the combined index
   * φ = T²/T²_lim + Q/Q_lim: how far φ drops when that tag alone is replaced by its most plausible value
   * given the others, (Dz)_j² / D_jj with D = P Λ⁻¹ Pᵀ / T²_lim + (I - P Pᵀ) / Q_lim. For a fault on a
   * single sensor the faulty tag gets the largest contribution, which plain shares of Q do not guarantee
   * (they smear a fault onto correlated tags). Each lies in [0, φ]; they do not add up to φ.
   */
  readonly contributions: Float64Array;
  /** The model output per tag: the sample projected onto the retained components, in the tag's unit. */
  readonly outputs: Float64Array;
}

/**
 * Scores samples against a fitted model (with `statisticsOnly`, T² and Q alone: contributions and outputs
 * come back empty). `columns` hold one array per tag in the model's tag order;
 * `rowIndices` picks the samples to score (all by default) and must point at complete samples (no NaN).
 * This is the hot path of every task: typed arrays allocated once per call, no per-row objects.
 */
export function scorePca(
  params: PcaParameters,
  columns: readonly ArrayLike<number>[],
  rowIndices?: ArrayLike<number>,
  options: { statisticsOnly?: boolean } = {},
): PcaScores {
  return pcaScorer(params, options)(columns, rowIndices);
}

/**
 * scorePca with the model's matrices laid out once, for scoring a long series chunk by chunk (predictRows
 * yields to the event loop between chunks): the combined-index metric alone costs O(k·p²) to build.
 */
export function pcaScorer(
  params: PcaParameters,
  { statisticsOnly = false } = {},
): (columns: readonly ArrayLike<number>[], rowIndices?: ArrayLike<number>) => PcaScores {
  const p = params.means.length;
  const k = params.k;
  const means = Float64Array.from(params.means);
  const stds = Float64Array.from(params.stds);
  const loadings = new Float64Array(k * p);
  const inverseEigenvalues = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    loadings.set(params.loadings[c]!, c * p);
    inverseEigenvalues[c] = 1 / params.eigenvalues[c]!;
  }
  // Calibration needs T² and Q only: without contributions and outputs a row costs O(k·p), not O(p²).
  const metric = statisticsOnly ? new Float64Array(0) : combinedIndexMetric(params, loadings);
  return (columns, rowIndices) => {
    if (columns.length !== p) throw new RangeError(`scorePca: the model has ${p} tags, got ${columns.length} columns`);
    const rows = rowIndices ?? identity(columns[0]?.length ?? 0);
    return scoreRows(rows, { columns, p, k, means, stds, loadings, inverseEigenvalues, metric, statisticsOnly });
  };
}

interface ScoringMatrices {
  readonly columns: readonly ArrayLike<number>[];
  readonly p: number;
  readonly k: number;
  readonly means: Float64Array;
  readonly stds: Float64Array;
  readonly loadings: Float64Array;
  readonly inverseEigenvalues: Float64Array;
  readonly metric: Float64Array;
  readonly statisticsOnly: boolean;
}

function scoreRows(rows: ArrayLike<number>, m: ScoringMatrices): PcaScores {
  const { columns, p, k, means, stds, loadings, inverseEigenvalues, metric, statisticsOnly } = m;
  const count = rows.length;
  const perTag = statisticsOnly ? 0 : count * p;
  const t2 = new Float64Array(count);
  const q = new Float64Array(count);
  const contributions = new Float64Array(perTag);
  const outputs = new Float64Array(perTag);
  const z = new Float64Array(p);
  const componentScores = new Float64Array(k);
  const dz = new Float64Array(p); // D z, for the contributions

  for (let r = 0; r < count; r++) {
    const row = rows[r]!;
    for (let j = 0; j < p; j++) z[j] = (columns[j]![row]! - means[j]!) / stds[j]!;

    let t2Row = 0;
    for (let c = 0; c < k; c++) {
      let score = 0;
      const offset = c * p;
      for (let j = 0; j < p; j++) score += loadings[offset + j]! * z[j]!;
      componentScores[c] = score;
      t2Row += score * score * inverseEigenvalues[c]!;
    }

    let qRow = 0;
    const base = r * p;
    if (statisticsOnly) {
      for (let j = 0; j < p; j++) {
        let reconstructed = 0;
        for (let c = 0; c < k; c++) reconstructed += loadings[c * p + j]! * componentScores[c]!;
        const residual = z[j]! - reconstructed;
        qRow += residual * residual;
      }
      t2[r] = t2Row;
      q[r] = qRow;
      continue;
    }
    for (let j = 0; j < p; j++) {
      let reconstructed = 0;
      for (let c = 0; c < k; c++) reconstructed += loadings[c * p + j]! * componentScores[c]!;
      const residual = z[j]! - reconstructed;
      outputs[base + j] = means[j]! + stds[j]! * reconstructed;
      qRow += residual * residual;
      let sum = 0;
      const offset = j * p;
      for (let b = 0; b < p; b++) sum += metric[offset + b]! * z[b]!;
      dz[j] = sum;
    }
    for (let j = 0; j < p; j++) {
      const diagonal = metric[j * p + j]!;
      contributions[base + j] = diagonal > 0 ? (dz[j]! * dz[j]!) / diagonal : 0;
    }
    t2[r] = t2Row;
    q[r] = qRow;
  }
  return { count, t2, q, contributions, outputs };
}

/**
 * D of the combined index φ = zᵀ D z = T²/T²_lim + Q/Q_lim, row-major p × p. Without a residual space
 * (qLimit 0, k = p) only the T² part remains; a model alarming on one statistic only keeps that part,
 * so contributions explain the statistic that raised the alarm.
 */
function combinedIndexMetric(params: PcaParameters, loadings: Float64Array): Float64Array {
  const p = params.means.length;
  const statistic = params.statistic ?? 'both';
  const metric = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      let projection = 0;
      let weighted = 0;
      for (let c = 0; c < params.k; c++) {
        const product = loadings[c * p + a]! * loadings[c * p + b]!;
        projection += product;
        weighted += product / params.eigenvalues[c]!;
      }
      const residual = params.qLimit > 0 && statistic !== 't2' ? ((a === b ? 1 : 0) - projection) / params.qLimit : 0;
      metric[a * p + b] = (statistic === 'q' ? 0 : weighted / params.t2Limit) + residual;
    }
  }
  return metric;
}

function identity(length: number): Int32Array {
  const indices = new Int32Array(length);
  for (let i = 0; i < length; i++) indices[i] = i;
  return indices;
}
