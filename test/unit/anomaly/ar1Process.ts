import type { fitDetector } from '../../../providers/pca/fitDetector.js';
import { predictRows } from '../../../providers/pca/predictRows.js';
import type { Smoothing } from '../../../providers/pca/smoothing.js';
import { randomFor } from '../../../src/demo/random.js';

/**
 * A stationary multivariate AR(1) process with correlated tags, seeded:
 *   x_t = φ x_{t-1} + L e_t,  e_t ~ N(0, I)
 * with φ per tag and L lower-triangular (tags share innovations, so they are correlated). Started from
 * the stationary regime by discarding a burn-in. Columns are one array per tag.
 */
export function ar1Process(rows: number, seed: number, options: { phi?: readonly number[]; burnIn?: number } = {}): Float64Array[] {
  const phi = options.phi ?? [0.9, 0.8, 0.85, 0.7, 0.6, 0.9];
  const p = phi.length;
  // Each tag mixes the innovations of the tags before it: a fixed, well-conditioned correlation.
  const mixing = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => (j > i ? 0 : j === i ? 1 : 0.6 / (i - j))));
  const random = randomFor(seed, 0xa1);
  const columns = Array.from({ length: p }, () => new Float64Array(rows));
  const state = new Float64Array(p);
  const innovation = new Float64Array(p);
  const burnIn = options.burnIn ?? 500;
  for (let t = -burnIn; t < rows; t++) {
    for (let j = 0; j < p; j++) innovation[j] = random.normal();
    for (let i = 0; i < p; i++) {
      let shock = 0;
      for (let j = 0; j <= i; j++) shock += mixing[i]![j]! * innovation[j]!;
      state[i] = phi[i]! * state[i]! + shock;
      if (t >= 0) columns[i]![t] = state[i]! + 10 * (i + 1); // offsets: standardising must remove them
    }
  }
  return columns;
}

/** Share of rows predictRows flags, scoring `columns` in one piece. */
export function falseAlarmRate(params: ReturnType<typeof fitDetector>, columns: Float64Array[], smoothing: Smoothing): number {
  const n = columns[0]!.length;
  const rows = predictRows(params, {
    columns,
    timestamps: new Float64Array(n),
    rowIndices: Int32Array.from({ length: n }, (_, i) => i),
    firstOutput: 0,
    smoothing,
  });
  return rows.filter((row) => row.isAnomaly).length / n;
}
