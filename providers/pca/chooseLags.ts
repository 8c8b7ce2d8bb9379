/** `lags: auto` never goes beyond this: each lag multiplies the model's columns, and the history each row needs. */
export const MAX_AUTO_LAGS = 5;

/**
 * A partial autocorrelation below this is treated as no direct dependence. A significance test would not
 * do: with thousands of training rows almost every lag is "significant", so this is an effect size
 * (|φ| = 0.1 means the lag explains about 1 % of the remaining variance).
 */
export const MIN_PARTIAL_AUTOCORRELATION = 0.1;

/**
 * `lags: auto`: the lag order from the training data's autocorrelation. For each tag the partial
 * autocorrelation function φ(1..MAX_AUTO_LAGS) (Durbin–Levinson on the sample autocorrelations) is the
 * order of the autoregression that tag follows; the model takes the largest lag at which any tag still has
 * |φ(l)| >= MIN_PARTIAL_AUTOCORRELATION. White-noise tags give 0 (static PCA), an AR(1) tag gives 1.
 * `columns` are the complete training samples in time order.
 */
export function chooseLags(columns: readonly ArrayLike<number>[]): number {
  let order = 0;
  for (const column of columns) {
    const pacf = partialAutocorrelation(column, MAX_AUTO_LAGS);
    for (let lag = pacf.length; lag > order; lag--) {
      if (Math.abs(pacf[lag - 1]!) >= MIN_PARTIAL_AUTOCORRELATION) {
        order = lag;
        break;
      }
    }
  }
  return order;
}

/** φ(1..maxLag) of one series; an empty array for a constant or too short series. */
export function partialAutocorrelation(values: ArrayLike<number>, maxLag: number): number[] {
  const n = values.length;
  const lags = Math.min(maxLag, n - 2);
  if (lags < 1) return [];
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  const acov = new Float64Array(lags + 1);
  for (let lag = 0; lag <= lags; lag++) {
    let sum = 0;
    for (let i = lag; i < n; i++) sum += (values[i]! - mean) * (values[i - lag]! - mean);
    acov[lag] = sum / n;
  }
  if (!(acov[0]! > 0)) return [];
  // Durbin–Levinson: phi holds the AR(m) coefficients; its last one is the partial autocorrelation at m.
  const result: number[] = [];
  let phi: number[] = [];
  let variance = acov[0]!;
  for (let m = 1; m <= lags; m++) {
    let numerator = acov[m]!;
    for (let j = 1; j < m; j++) numerator -= phi[j - 1]! * acov[m - j]!;
    const reflection = variance > 0 ? numerator / variance : 0;
    const next = new Array<number>(m);
    for (let j = 1; j < m; j++) next[j - 1] = phi[j - 1]! - reflection * phi[m - j - 1]!;
    next[m - 1] = reflection;
    phi = next;
    variance *= 1 - reflection * reflection;
    result.push(reflection);
  }
  return result;
}
