import type { ForecastPath, Forecaster } from './Forecaster.js';
import { intervalMultiplier } from './normalQuantile.js';

/** ARIMA(p, d, q)(P, D, 0)_s. Seasonal AR terms enter as extra lags s, 2s, … (additive subset AR, not multiplicative). */
export interface ArimaOrder {
  readonly p: number;
  readonly d: number;
  readonly q: number;
  readonly seasonalP: number;
  readonly seasonalD: number;
  /** Season length in rows; needed when seasonalP or seasonalD > 0. */
  readonly seasonLength: number;
}

export interface ArimaFit {
  /** AR coefficients on the differenced series, by lag (`arLags`). */
  readonly ar: readonly number[];
  readonly arLags: readonly number[];
  readonly ma: readonly number[];
  /** Mean of the differenced series (0 when differenced). */
  readonly mean: number;
  readonly sigma: number;
}

/** Least squares β for X β ≈ y (normal equations with a tiny ridge for stability). */
export function leastSquares(rows: readonly (readonly number[])[], y: readonly number[]): number[] {
  const k = rows[0]?.length ?? 0;
  const xtx = Array.from({ length: k }, () => new Float64Array(k));
  const xty = new Float64Array(k);
  for (let r = 0; r < rows.length; r++) {
    const x = rows[r]!;
    for (let i = 0; i < k; i++) {
      xty[i]! += x[i]! * y[r]!;
      for (let j = 0; j < k; j++) xtx[i]![j]! += x[i]! * x[j]!;
    }
  }
  for (let i = 0; i < k; i++) xtx[i]![i]! += 1e-9 * (xtx[i]![i]! + 1);
  // Gaussian elimination with partial pivoting.
  const a = xtx.map((row, i) => [...row, xty[i]!]);
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = c + 1; r < k; r++) {
      const f = a[r]![c]! / a[c]![c]!;
      for (let j = c; j <= k; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  const beta = new Array<number>(k).fill(0);
  for (let i = k - 1; i >= 0; i--) {
    let s = a[i]![k]!;
    for (let j = i + 1; j < k; j++) s -= a[i]![j]! * beta[j]!;
    beta[i] = s / a[i]![i]!;
  }
  return beta;
}

/** The differencing polynomial (1 − B)^d (1 − B^s)^D as coefficients of B^0, B^1, … */
function differencingPolynomial(order: ArimaOrder): number[] {
  let poly = [1];
  const times = (other: number[]) => {
    const out = new Array<number>(poly.length + other.length - 1).fill(0);
    poly.forEach((a, i) => other.forEach((b, j) => (out[i + j]! += a * b)));
    poly = out;
  };
  for (let i = 0; i < order.d; i++) times([1, -1]);
  for (let i = 0; i < order.seasonalD; i++) times([1, ...new Array<number>(order.seasonLength - 1).fill(0), -1]);
  return poly;
}

function applyPolynomial(y: ArrayLike<number>, poly: readonly number[]): number[] {
  const out: number[] = [];
  for (let t = poly.length - 1; t < y.length; t++) {
    let s = 0;
    for (let k = 0; k < poly.length; k++) s += poly[k]! * y[t - k]!;
    out.push(s);
  }
  return out;
}

/** Regression rows of z_t on z_{t−lag} (and e_{t−j} when residuals are given), for t from `start`. */
function design(z: readonly number[], lags: readonly number[], e: readonly number[] | undefined, q: number, start: number) {
  const rows: number[][] = [];
  const target: number[] = [];
  for (let t = start; t < z.length; t++) {
    const row = lags.map((l) => z[t - l]!);
    for (let j = 1; j <= q; j++) row.push(e![t - j]!);
    if (row.every(Number.isFinite) && Number.isFinite(z[t]!)) {
      rows.push(row);
      target.push(z[t]!);
    }
  }
  return { rows, target };
}

/**
 * Fits the orders on `y` (NaN-free) by conditional least squares: plain OLS when q = 0, else
 * Hannan–Rissanen (a long autoregression estimates the innovations, then OLS on lagged values and
 * innovations). Returns a Forecaster positioned after `y`.
 */
export function fitArima(y: ArrayLike<number>, order: ArimaOrder): ArimaForecaster {
  const diff = differencingPolynomial(order);
  const w = applyPolynomial(y, diff);
  const differenced = order.d + order.seasonalD > 0;
  const mean = differenced ? 0 : w.reduce((a, b) => a + b, 0) / w.length;
  const z = w.map((v) => v - mean);
  const arLags = [
    ...Array.from({ length: order.p }, (_, i) => i + 1),
    ...Array.from({ length: order.seasonalP }, (_, i) => (i + 1) * order.seasonLength),
  ].filter((l, i, all) => all.indexOf(l) === i);
  const maxLag = Math.max(0, ...arLags);
  let ar: number[] = [];
  let ma: number[] = [];
  if (order.q === 0) {
    if (arLags.length > 0) {
      const { rows, target } = design(z, arLags, undefined, 0, maxLag);
      ar = leastSquares(rows, target);
    }
  } else {
    const longOrder = Math.min(Math.floor(z.length / 4), Math.max(10, maxLag + order.q + 5));
    const longLags = Array.from({ length: longOrder }, (_, i) => i + 1);
    const long = design(z, longLags, undefined, 0, longOrder);
    const phiLong = leastSquares(long.rows, long.target);
    const e = z.map((v, t) => (t < longOrder ? 0 : v - longLags.reduce((s, l, i) => s + phiLong[i]! * z[t - l]!, 0)));
    const { rows, target } = design(z, arLags, e, order.q, longOrder + order.q);
    const beta = leastSquares(rows, target);
    ar = beta.slice(0, arLags.length);
    ma = beta.slice(arLags.length);
  }
  const forecaster = new ArimaForecaster(order, { ar, arLags, ma, mean, sigma: 0 }, diff);
  const sigma = forecaster.consume(y);
  return forecaster.withSigma(sigma);
}

/**
 * The fitted model written on the undifferenced series: y_t = c + Σ a_k y_{t−k} + e_t + Σ θ_j e_{t−j},
 * where 1 − Σ a_k B^k = φ(B)·(1 − B)^d(1 − B^s)^D. One recursion forecasts and updates; the interval
 * variance is σ² Σ_{j<h} ψ_j² with the ψ weights of that polynomial (so it grows without bound when differenced).
 */
export class ArimaForecaster implements Forecaster {
  private readonly a: number[];
  private readonly c: number;
  private history: number[] = [];
  private residuals: number[] = [];
  readonly sigma: number;

  constructor(
    readonly order: ArimaOrder,
    readonly fit: ArimaFit,
    private readonly diff: readonly number[],
  ) {
    this.sigma = fit.sigma;
    // φ(B) = 1 − Σ ar_i B^{lag_i}; full = φ(B)·diff(B); a_k = −full_k for k ≥ 1.
    const maxLag = Math.max(0, ...fit.arLags);
    const phi = new Array<number>(maxLag + 1).fill(0);
    phi[0] = 1;
    fit.arLags.forEach((l, i) => (phi[l]! -= fit.ar[i]!));
    const full = new Array<number>(phi.length + diff.length - 1).fill(0);
    phi.forEach((x, i) => diff.forEach((y, j) => (full[i + j]! += x * y)));
    this.a = full.slice(1).map((v) => -v);
    this.c = fit.mean * (1 - fit.ar.reduce((s, v) => s + v, 0));
  }

  withSigma(sigma: number): ArimaForecaster {
    const copy = new ArimaForecaster(this.order, { ...this.fit, sigma }, this.diff);
    copy.history = [...this.history];
    copy.residuals = [...this.residuals];
    return copy;
  }

  /** Feeds `y` through the recursion; returns the standard deviation of its one-step errors (conditional). */
  consume(y: ArrayLike<number>): number {
    let sse = 0;
    let n = 0;
    for (let t = 0; t < y.length; t++) {
      const e = this.step(y[t]!);
      if (e !== undefined) {
        sse += e * e;
        n++;
      }
    }
    const k = this.fit.ar.length + this.fit.ma.length + (this.order.d + this.order.seasonalD > 0 ? 0 : 1);
    return Math.sqrt(sse / Math.max(1, n - k));
  }

  private predictNext(): number | undefined {
    const K = this.a.length;
    if (this.history.length < K) return undefined;
    let s = this.c;
    for (let k = 1; k <= K; k++) s += this.a[k - 1]! * this.history[this.history.length - k]!;
    for (let j = 1; j <= this.fit.ma.length; j++) s += this.fit.ma[j - 1]! * (this.residuals[this.residuals.length - j] ?? 0);
    return s;
  }

  /** Consumes one value; returns its one-step error once the recursion has enough history. */
  private step(value: number): number | undefined {
    const yhat = this.predictNext();
    const observed = Number.isFinite(value) ? value : (yhat ?? NaN);
    const e = yhat === undefined || !Number.isFinite(value) ? 0 : value - yhat;
    this.history.push(observed);
    this.residuals.push(e);
    const keep = Math.max(this.a.length, this.fit.ma.length) + 1;
    if (this.history.length > 4 * keep + 64) {
      this.history = this.history.slice(-keep);
      this.residuals = this.residuals.slice(-keep);
    }
    return yhat === undefined || !Number.isFinite(value) ? undefined : e;
  }

  update(value: number): void {
    this.step(value);
  }

  /** ψ weights of the undifferenced model, ψ_0 … ψ_{h−1}. */
  psiWeights(horizon: number): Float64Array {
    const psi = new Float64Array(horizon);
    for (let j = 0; j < horizon; j++) {
      let v = j === 0 ? 1 : j <= this.fit.ma.length ? this.fit.ma[j - 1]! : 0;
      for (let k = 1; k <= Math.min(j, this.a.length); k++) v += this.a[k - 1]! * psi[j - k]!;
      psi[j] = v;
    }
    return psi;
  }

  forecast(horizon: number, coverage: number): ForecastPath {
    const sim = this.clone() as ArimaForecaster;
    const yhat = new Float64Array(horizon);
    for (let h = 0; h < horizon; h++) {
      const next = sim.predictNext() ?? NaN;
      yhat[h] = next;
      sim.history.push(next);
      sim.residuals.push(0);
    }
    const psi = this.psiWeights(horizon);
    const z = intervalMultiplier(coverage);
    const lower = new Float64Array(horizon);
    const upper = new Float64Array(horizon);
    let cumulative = 0;
    for (let h = 0; h < horizon; h++) {
      cumulative += psi[h]! * psi[h]!;
      const half = z * this.sigma * Math.sqrt(cumulative);
      lower[h] = yhat[h]! - half;
      upper[h] = yhat[h]! + half;
    }
    return { yhat, lower, upper };
  }

  clone(): Forecaster {
    return this.withSigma(this.sigma);
  }
}
