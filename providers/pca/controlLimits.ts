import fQuantile from '@stdlib/stats-base-dists-f-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/**
 * Control limits of the PCA monitoring statistics, derived from the training data alone.
 * References: Jackson & Mudholkar (1979), "Control procedures for residuals associated with principal
 * component analysis"; Tracy, Young & Mason (1992) for the T² limit of a new observation.
 */

/**
 * Upper control limit of Hotelling's T² for a *new* observation scored against a model fitted on
 * `n` samples with `k` retained components:
 *
 *   T²_lim = k (n - 1)(n + 1) / (n (n - k)) · F_{k, n-k}(confidence)
 *
 * Requires 1 <= k < n.
 */
export function hotellingT2Limit(k: number, n: number, confidence: number): number {
  if (!(k >= 1 && n > k)) throw new RangeError(`T² limit needs 1 <= k < n, got k=${k}, n=${n}`);
  return ((k * (n - 1) * (n + 1)) / (n * (n - k))) * fQuantile(confidence, k, n - k);
}

/** Below this the Jackson–Mudholkar power transform degenerates (see `jacksonMudholkarQLimit`). */
const MIN_H0 = 1e-4;

/**
 * Jackson–Mudholkar upper control limit of Q (squared prediction error), from the eigenvalues of the
 * components left out of the model:
 *
 *   θi = Σ λj^i (i = 1, 2, 3),  h0 = 1 - 2 θ1 θ3 / (3 θ2²),  c = Φ⁻¹(confidence)
 *   Q_lim = θ1 · [ c √(2 θ2 h0²) / θ1 + 1 + θ2 h0 (h0 - 1) / θ1² ]^(1/h0)
 *
 * h0 approaches 0, or turns negative, when a few large and many tiny eigenvalues are discarded; the
 * power transform then breaks down and we use its limit as h0 -> 0 (a log-normal approximation):
 * Q_lim = θ1 · exp(c √(2 θ2) / θ1 - θ2 / θ1²).
 *
 * Returns 0 when the discarded eigenvalues carry no variance; the caller decides what that means.
 */
export function jacksonMudholkarQLimit(discardedEigenvalues: readonly number[], confidence: number): number {
  let theta1 = 0;
  let theta2 = 0;
  let theta3 = 0;
  for (const lambda of discardedEigenvalues) {
    theta1 += lambda;
    theta2 += lambda * lambda;
    theta3 += lambda * lambda * lambda;
  }
  if (!(theta1 > 0)) return 0;
  const c = normalQuantile(confidence, 0, 1);
  const h0 = 1 - (2 * theta1 * theta3) / (3 * theta2 * theta2);
  if (h0 < MIN_H0) {
    return theta1 * Math.exp((c * Math.sqrt(2 * theta2)) / theta1 - theta2 / (theta1 * theta1));
  }
  const bracket = (c * Math.sqrt(2 * theta2 * h0 * h0)) / theta1 + 1 + (theta2 * h0 * (h0 - 1)) / (theta1 * theta1);
  return theta1 * Math.pow(bracket, 1 / h0);
}
