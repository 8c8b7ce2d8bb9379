import type { ForecastPath, Forecaster } from './Forecaster.js';
import { nelderMead } from './nelderMead.js';
import { intervalMultiplier } from './normalQuantile.js';

export type TrendType = 'none' | 'additive' | 'damped';
export type SeasonalityType = 'none' | 'additive' | 'multiplicative';

export interface HoltWintersSpec {
  readonly trend: TrendType;
  readonly seasonality: SeasonalityType;
  /** Rows per season; ignored (0) without seasonality. */
  readonly seasonLength: number;
  /** A fixed damping factor for `damped`; estimated in [0.8, 0.98] when omitted. */
  readonly damping?: number;
}

export interface HoltWintersParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly phi: number;
}

/** Level, trend and one seasonal value per position in the season (index = step count mod m). */
export interface HoltWintersState {
  level: number;
  trend: number;
  readonly season: Float64Array;
  /** Observations consumed since the initial state. */
  step: number;
}

/**
 * The initial state: level = mean of the first season, trend = difference of the first and last full
 * seasons' means per step, seasonal values = each position's deviation from its season's mean (ratio for
 * multiplicative) averaged over every full season of `y`, normalised to sum 0 (mean 1). Averaging over all
 * seasons, not the first alone, matters: with a small γ the first season's noise and its other cycles
 * would otherwise stay in every forecast. Without seasonality: level = y0, trend = y1 - y0.
 */
export function initialState(y: ArrayLike<number>, spec: HoltWintersSpec): HoltWintersState {
  const m = spec.seasonality === 'none' ? 0 : spec.seasonLength;
  const mult = spec.seasonality === 'multiplicative';
  if (m === 0) {
    return { level: y[0]!, trend: spec.trend === 'none' ? 0 : y[1]! - y[0]!, season: new Float64Array(0), step: 0 };
  }
  const mean = (from: number) => {
    let s = 0;
    for (let i = from; i < from + m; i++) s += y[i]!;
    return s / m;
  };
  const seasons = Math.max(1, Math.floor(y.length / m));
  const level = mean(0);
  const trend = spec.trend === 'none' || seasons < 2 ? 0 : (mean((seasons - 1) * m) - level) / ((seasons - 1) * m);
  const season = new Float64Array(m);
  for (let k = 0; k < seasons; k++) {
    const seasonMean = mean(k * m);
    for (let i = 0; i < m; i++) season[i]! += (mult ? y[k * m + i]! / seasonMean : y[k * m + i]! - seasonMean) / seasons;
  }
  let centre = 0;
  for (const v of season) centre += v / m;
  for (let i = 0; i < m; i++) season[i] = mult ? season[i]! / centre : season[i]! - centre;
  return { level, trend, season, step: 0 };
}

/**
 * One step of the component-form recursions; returns the one-step forecast made before seeing `y`.
 *   l_t = α(y_t − s_{t−m}) + (1−α)(l_{t−1} + φb_{t−1})        (y_t / s_{t−m} when multiplicative)
 *   b_t = β(l_t − l_{t−1}) + (1−β)φb_{t−1}
 *   s_t = γ(y_t − l_{t−1} − φb_{t−1}) + (1−γ)s_{t−m}            (y_t / (l_{t−1} + φb_{t−1}) when multiplicative)
 */
export function stepState(state: HoltWintersState, p: HoltWintersParams, spec: HoltWintersSpec, y: number): number {
  const m = state.season.length;
  const mult = spec.seasonality === 'multiplicative';
  const hasTrend = spec.trend !== 'none';
  const idx = m === 0 ? 0 : state.step % m;
  const s = m === 0 ? (mult ? 1 : 0) : state.season[idx]!;
  const base = state.level + (hasTrend ? p.phi * state.trend : 0);
  const yhat = mult ? base * s : base + s;
  if (Number.isFinite(y)) {
    const level = p.alpha * (mult ? y / s : y - s) + (1 - p.alpha) * base;
    if (hasTrend) state.trend = p.beta * (level - state.level) + (1 - p.beta) * p.phi * state.trend;
    if (m > 0) state.season[idx] = p.gamma * (mult ? y / base : y - base) + (1 - p.gamma) * s;
    state.level = level;
  } else {
    state.level = base;
    if (hasTrend) state.trend = p.phi * state.trend;
  }
  state.step++;
  return yhat;
}

/** Point forecasts h = 1..horizon from `state`: l + (φ + … + φ^h) b, plus or times the season's value. */
export function pointForecast(state: HoltWintersState, p: HoltWintersParams, spec: HoltWintersSpec, horizon: number): Float64Array {
  const out = new Float64Array(horizon);
  const m = state.season.length;
  const mult = spec.seasonality === 'multiplicative';
  let damp = 0;
  for (let h = 1; h <= horizon; h++) {
    damp += spec.trend === 'none' ? 0 : Math.pow(p.phi, h);
    const base = state.level + damp * state.trend;
    const s = m === 0 ? (mult ? 1 : 0) : state.season[(state.step + h - 1) % m]!;
    out[h - 1] = mult ? base * s : base + s;
  }
  return out;
}

/**
 * Variance multipliers of the additive model's h-step errors: 1 + Σ_{j<h} c_j², with
 * c_j = α(1 + β(φ + … + φ^j)) + γ·[j mod m = 0] (Hyndman et al. 2008, class 1, component-form β and γ).
 * Used for multiplicative seasonality too, as an approximation (errors measured on the data's scale).
 */
export function varianceMultipliers(p: HoltWintersParams, spec: HoltWintersSpec, horizon: number): Float64Array {
  const m = spec.seasonality === 'none' ? 0 : spec.seasonLength;
  const out = new Float64Array(horizon);
  let sum = 1;
  let damp = 0;
  for (let h = 1; h <= horizon; h++) {
    out[h - 1] = sum;
    const j = h;
    damp += spec.trend === 'none' ? 0 : Math.pow(p.phi, j);
    const c = p.alpha * (1 + (spec.trend === 'none' ? 0 : p.beta * damp)) + (m > 0 && j % m === 0 ? p.gamma : 0);
    sum += c * c;
  }
  return out;
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** Parameters from the optimiser's unconstrained vector: α, β, γ in (0, 1), φ in [0.8, 0.98]. */
function decode(x: readonly number[], spec: HoltWintersSpec): HoltWintersParams {
  let i = 0;
  const alpha = logistic(x[i++]!);
  const beta = spec.trend === 'none' ? 0 : logistic(x[i++]!);
  const gamma = spec.seasonality === 'none' ? 0 : logistic(x[i++]!) * (1 - alpha);
  const phi = spec.trend !== 'damped' ? 1 : (spec.damping ?? 0.8 + 0.18 * logistic(x[i]!));
  return { alpha, beta, gamma, phi };
}

/** Sum of squared one-step errors over `y` from the initial state, and how many were finite. */
export function oneStepErrors(
  y: ArrayLike<number>,
  p: HoltWintersParams,
  spec: HoltWintersSpec,
): { sse: number; n: number; state: HoltWintersState } {
  const state = initialState(y, spec);
  let sse = 0;
  let n = 0;
  for (let t = 0; t < y.length; t++) {
    const yhat = stepState(state, p, spec, y[t]!);
    if (Number.isFinite(y[t]!)) {
      const e = y[t]! - yhat;
      sse += e * e;
      n++;
    }
  }
  return { sse, n, state };
}

/** Rows a fit needs: two full seasons (the initial state reads them), or 10 without seasonality. */
export function minimumRows(spec: HoltWintersSpec): number {
  return spec.seasonality === 'none' ? 10 : Math.max(10, 2 * spec.seasonLength + 2);
}

/**
 * Squared errors of the 1..`horizon`-step forecasts made from origins every `stride` rows of `y` (after the
 * first season, where the state has seen a full cycle), summed per step ahead, with their count per step.
 */
export function horizonErrors(
  y: ArrayLike<number>,
  p: HoltWintersParams,
  spec: HoltWintersSpec,
  horizon: number,
  stride: number,
): { sse: Float64Array; count: Float64Array; total: number } {
  const state = initialState(y, spec);
  const m = state.season.length;
  const mult = spec.seasonality === 'multiplicative';
  const hasTrend = spec.trend !== 'none';
  const sse = new Float64Array(horizon);
  const count = new Float64Array(horizon);
  let total = 0;
  const firstOrigin = Math.max(m, 1);
  for (let t = 0; t < y.length; t++) {
    if (t >= firstOrigin && (t - firstOrigin) % stride === 0) {
      // The forecast from this origin, inlined from pointForecast: it runs for every origin of every trial.
      let damp = 0;
      let phiPower = 1;
      for (let h = 1; h <= horizon && t + h - 1 < y.length; h++) {
        const actual = y[t + h - 1]!;
        if (hasTrend) {
          phiPower *= p.phi;
          damp += phiPower;
        }
        const base = state.level + damp * state.trend;
        const s = m === 0 ? (mult ? 1 : 0) : state.season[(state.step + h - 1) % m]!;
        if (!Number.isFinite(actual)) continue;
        const e = actual - (mult ? base * s : base + s);
        sse[h - 1]! += e * e;
        count[h - 1]!++;
        total += e * e;
      }
    }
    stepState(state, p, spec, y[t]!);
  }
  return { sse, count, total };
}

/** Origins for a horizon fit: about 200 spread over the series (every row for short ones). */
function horizonStride(rows: number, spec: HoltWintersSpec, horizon: number): number {
  const span = rows - (spec.seasonality === 'none' ? 1 : spec.seasonLength) - horizon;
  return Math.max(1, Math.floor(span / 200));
}

/**
 * How the parameters are chosen. `one_step`: least squares of the one-step errors, intervals from the
 * analytic h-step variance of the additive model (Hyndman et al. 2008, class 1; an approximation with
 * multiplicative seasonality). `horizon`: least squares of the 1..horizon-step errors from origins spread
 * over the history, intervals from those errors' root mean square per step ahead. On 5-minute plant data the
 * one-step fit drives α to 1 (the next row is best predicted by the last), which carries the latest
 * excursion of every non-daily cycle through a day-long forecast; the horizon fit weighs the steps the
 * forecast is used for.
 */
export type HoltWintersFit = { readonly loss: 'one_step' } | { readonly loss: 'horizon'; readonly horizon: number };

/**
 * Fits α, β, γ (and φ) by least squares (Nelder–Mead) on `y`, which must hold at least `minimumRows(spec)`
 * values, the first two seasons finite. Returns a Forecaster positioned after `y`.
 */
export function fitHoltWinters(
  y: ArrayLike<number>,
  spec: HoltWintersSpec,
  fixed?: HoltWintersParams,
  fit: HoltWintersFit = { loss: 'one_step' },
): HoltWintersForecaster {
  const stride = fit.loss === 'horizon' ? horizonStride(y.length, spec, fit.horizon) : 1;
  const loss = (p: HoltWintersParams) =>
    fit.loss === 'horizon' ? horizonErrors(y, p, spec, fit.horizon, stride).total : oneStepErrors(y, p, spec).sse;
  let params = fixed;
  if (params === undefined) {
    const start = [logit(0.3)];
    if (spec.trend !== 'none') start.push(logit(0.05));
    if (spec.seasonality !== 'none') start.push(logit(0.15));
    if (spec.trend === 'damped' && spec.damping === undefined) start.push(0);
    const best = nelderMead((x) => loss(decode(x, spec)), start, { maxEvaluations: 60 * start.length });
    params = decode(best, spec);
  }
  const { sse, n, state } = oneStepErrors(y, params, spec);
  const k = 1 + (spec.trend === 'none' ? 0 : 1) + (spec.seasonality === 'none' ? 0 : 1) + (spec.trend === 'damped' ? 1 : 0);
  const sigma = Math.sqrt(sse / Math.max(1, n - k));
  let stepSigmas: Float64Array | undefined;
  if (fit.loss === 'horizon') {
    const errors = horizonErrors(y, params, spec, fit.horizon, stride);
    stepSigmas = new Float64Array(fit.horizon);
    for (let h = 0; h < fit.horizon; h++) {
      // A step ahead that no origin reached (a history barely longer than the horizon) takes the last one's.
      stepSigmas[h] = errors.count[h]! > 0 ? Math.sqrt(errors.sse[h]! / errors.count[h]!) : h > 0 ? stepSigmas[h - 1]! : sigma;
    }
  }
  return new HoltWintersForecaster(spec, params, state, sigma, stepSigmas);
}

export class HoltWintersForecaster implements Forecaster {
  constructor(
    readonly spec: HoltWintersSpec,
    readonly params: HoltWintersParams,
    private readonly state: HoltWintersState,
    readonly sigma: number,
    /** Root mean square of the in-sample h-step errors (h = index + 1) of a horizon fit; none for a one-step fit. */
    private readonly stepSigmas?: Float64Array,
  ) {}

  update(value: number): void {
    stepState(this.state, this.params, this.spec, value);
  }

  forecast(horizon: number, coverage: number): ForecastPath {
    const yhat = pointForecast(this.state, this.params, this.spec, horizon);
    const z = intervalMultiplier(coverage);
    const lower = new Float64Array(horizon);
    const upper = new Float64Array(horizon);
    const steps = this.stepSigmas;
    const variance = steps === undefined ? varianceMultipliers(this.params, this.spec, horizon) : undefined;
    for (let h = 0; h < horizon; h++) {
      // Past the fitted horizon the last step's error is held: nothing in the fit measured further.
      const spread = steps === undefined ? this.sigma * Math.sqrt(variance![h]!) : steps[Math.min(h, steps.length - 1)]!;
      const half = z * spread;
      lower[h] = yhat[h]! - half;
      upper[h] = yhat[h]! + half;
    }
    return { yhat, lower, upper };
  }

  clone(): HoltWintersForecaster {
    return new HoltWintersForecaster(
      this.spec,
      this.params,
      { ...this.state, season: Float64Array.from(this.state.season) },
      this.sigma,
      this.stepSigmas,
    );
  }

  /** A copy of the current state, for tests and diagnostics. */
  snapshot(): HoltWintersState {
    return { ...this.state, season: Float64Array.from(this.state.season) };
  }
}
