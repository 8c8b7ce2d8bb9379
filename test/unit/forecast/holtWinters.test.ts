import { expect } from 'chai';
import { randomFor } from '../../../src/demo/random.js';
import { detectSeasonLength } from '../../../providers/forecast/detectSeasonLength.js';
import {
  fitHoltWinters,
  horizonErrors,
  initialState,
  pointForecast,
  stepState,
  type HoltWintersSpec,
} from '../../../providers/forecast/holtWinters.js';
import { intervalMultiplier } from '../../../providers/forecast/normalQuantile.js';

describe('Holt-Winters', () => {
  const spec: HoltWintersSpec = { trend: 'additive', seasonality: 'additive', seasonLength: 2 };
  const half = { alpha: 0.5, beta: 0.5, gamma: 0.5, phi: 1 };

  it('follows the additive recursions computed by hand on a short series', () => {
    const y = [10, 14, 12, 16];
    // level0 = (10+14)/2 = 12, trend0 = ((12+16)/2 - 12)/2 = 1, season = [10-12, 14-12] = [-2, 2]
    const state = initialState(y, spec);
    expect([state.level, state.trend, ...state.season]).to.deep.equal([12, 1, -2, 2]);
    // y=10: base = 13, yhat = 13 + (-2) = 11; l = .5(10+2) + .5·13 = 12.5; b = .5(.5) + .5·1 = .75; s0 = .5(10-13) + .5(-2) = -2.5
    expect(stepState(state, half, spec, 10)).to.equal(11);
    expect([state.level, state.trend, state.season[0]]).to.deep.equal([12.5, 0.75, -2.5]);
    // y=14: base = 13.25, yhat = 15.25; l = .5(14-2) + .5·13.25 = 12.625; b = .5(.125) + .5(.75) = .4375; s1 = .5(.75) + .5·2 = 1.375
    expect(stepState(state, half, spec, 14)).to.equal(15.25);
    expect([state.level, state.trend, state.season[1]]).to.deep.equal([12.625, 0.4375, 1.375]);
    // h=1: 12.625 + .4375 - 2.5 = 10.5625; h=2: 12.625 + .875 + 1.375 = 14.875
    expect([...pointForecast(state, half, spec, 2)]).to.deep.equal([10.5625, 14.875]);
  });

  it('multiplies by the seasonal factor when seasonality is multiplicative', () => {
    const mult: HoltWintersSpec = { trend: 'none', seasonality: 'multiplicative', seasonLength: 2 };
    const state = initialState([8, 12, 8, 12], mult); // level 10, factors 0.8 and 1.2
    expect([...state.season]).to.deep.equal([0.8, 1.2]);
    // y=8: yhat = 10·0.8 = 8; l = .5(8/.8) + .5·10 = 10; s0 = .5(8/10) + .5(.8) = .8
    expect(stepState(state, half, mult, 8)).to.equal(8);
    expect([...pointForecast(state, half, mult, 2)]).to.deep.equal([12, 8]);
  });

  it('starts the season from every full season, each position a deviation from its season mean', () => {
    // Seasons [10, 14] (mean 12) and [12, 18] (mean 15): deviations [-2, 2] and [-3, 3], averaged [-2.5, 2.5];
    // level = first season's mean 12; trend = (15 - 12) / 2 steps = 1.5. The odd last row is no full season.
    const state = initialState([10, 14, 12, 18, 99], spec);
    expect([state.level, state.trend, ...state.season]).to.deep.equal([12, 1.5, -2.5, 2.5]);
    // Multiplicative: ratios [0.8, 1.2] and [0.5, 1.5] average [0.65, 1.35] (mean 1 already).
    const mult = initialState([8, 12, 5, 15], { trend: 'none', seasonality: 'multiplicative', seasonLength: 2 });
    expect([...mult.season].map((v) => Number(v.toFixed(12)))).to.deep.equal([0.65, 1.35]);
  });

  it("horizon errors are the squared errors of each origin's forecasts, computed by hand", () => {
    const none: HoltWintersSpec = { trend: 'none', seasonality: 'none', seasonLength: 0 };
    // α = 0.5 from level 1: origin 1 (level 1 after y0 = 1) forecasts 1 for y1 = 3 and y2 = 5 (errors 2, 4);
    // origin 2 (level 2 after y1) forecasts 2 for y2 = 5 and y3 = 3 (errors 3, 1); origin 3 (level 3.5) for y3: 0.5.
    const e = horizonErrors([1, 3, 5, 3], { alpha: 0.5, beta: 0, gamma: 0, phi: 1 }, none, 2, 1);
    expect([...e.sse]).to.deep.equal([4 + 9 + 0.25, 16 + 1]);
    expect([...e.count]).to.deep.equal([3, 2]);
    expect(e.total).to.equal(4 + 9 + 0.25 + 16 + 1);
  });

  it('a horizon fit of a daily season beside other cycles beats the one-step fit a day ahead, its 95% interval covering about 95%', () => {
    const rnd = randomFor(20, 3);
    const m = 48;
    // A fixed season, two cycles that are not daily (as the demo plant's load swings) and noise: the one-step
    // fit follows the cycles' latest excursion (α near 1) and carries it through the day.
    const y = Array.from(
      { length: 48 * 60 },
      (_, t) =>
        20 +
        6 * Math.sin((2 * Math.PI * t) / m) +
        3 * Math.sin((2 * Math.PI * t) / 13.7) +
        2 * Math.sin((2 * Math.PI * t) / 129.6) +
        1.5 * rnd.normal(),
    );
    const spec48: HoltWintersSpec = { trend: 'none', seasonality: 'additive', seasonLength: m };
    let oneStepMae = 0;
    let horizonMae = 0;
    let inside = 0;
    let total = 0;
    for (let origin = 14 * m; origin + m <= y.length; origin += 2 * m) {
      const history = y.slice(origin - 14 * m, origin);
      const oneStep = fitHoltWinters(history, spec48).forecast(m, 0.95);
      const horizon = fitHoltWinters(history, spec48, undefined, { loss: 'horizon', horizon: m }).forecast(m, 0.95);
      for (let h = 0; h < m; h++) {
        const actual = y[origin + h]!;
        oneStepMae += Math.abs(actual - oneStep.yhat[h]!);
        horizonMae += Math.abs(actual - horizon.yhat[h]!);
        if (actual >= horizon.lower[h]! && actual <= horizon.upper[h]!) inside++;
        total++;
      }
    }
    expect(total).to.be.above(1_000);
    expect(horizonMae).to.be.below(0.9 * oneStepMae); // 0.84 measured
    expect(inside / total).to.be.within(0.92, 0.98);
  });

  it('a damped trend flattens: increments shrink geometrically, unlike the additive trend', () => {
    const y = Array.from({ length: 60 }, (_, t) => 5 + 2 * t);
    const damped = fitHoltWinters(y, { trend: 'damped', seasonality: 'none', seasonLength: 0, damping: 0.9 });
    const linear = fitHoltWinters(y, { trend: 'additive', seasonality: 'none', seasonLength: 0 });
    const d = damped.forecast(200, 0.95).yhat;
    const l = linear.forecast(200, 0.95).yhat;
    expect(l[199]! - l[99]!).to.be.closeTo(200, 1); // slope 2 kept
    expect(d[199]! - d[99]!).to.be.below(1e-3); // 0.9^100 · (…) is negligible
    expect(d[199]!).to.be.below(y[59]! + (2 * 0.9) / (1 - 0.9) + 1e-6);
  });

  it('a 95% interval covers about 95% of a simulated seasonal series with known noise', () => {
    const rnd = randomFor(20, 1);
    const m = 24;
    // Local level + fixed season + unit noise: the additive model with α ≈ 0.2 is the true process.
    let level = 50;
    const y: number[] = [];
    for (let t = 0; t < 6_000; t++) {
      const e = rnd.normal();
      y.push(level + 8 * Math.sin((2 * Math.PI * t) / m) + e);
      level += 0.2 * e;
    }
    const fitted = fitHoltWinters(y.slice(0, 1_000), { trend: 'none', seasonality: 'additive', seasonLength: m });
    let inside = 0;
    let total = 0;
    const h = 6;
    for (let t = 1_000; t + h <= y.length; t += h) {
      const path = fitted.forecast(h, 0.95);
      for (let k = 0; k < h; k++) {
        total++;
        if (y[t + k]! >= path.lower[k]! && y[t + k]! <= path.upper[k]!) inside++;
      }
      for (let k = 0; k < h; k++) fitted.update(y[t + k]!);
    }
    expect(total).to.be.above(4_000);
    expect(inside / total).to.be.within(0.93, 0.97);
  });

  it('detects the season length of a noisy periodic series', () => {
    const rnd = randomFor(20, 2);
    const y = Array.from({ length: 2_000 }, (_, t) => 10 * Math.sin((2 * Math.PI * t) / 48) + 0.01 * t + rnd.normal());
    expect(detectSeasonLength(y, { maxLag: 200 })).to.equal(48);
    const noise = Array.from({ length: 2_000 }, () => rnd.normal());
    expect(detectSeasonLength(noise, { maxLag: 200 })).to.equal(0);
  });

  it('detects a daily season under a faster cycle whose ripple hides the day in the autocorrelation', () => {
    // The demo's shape: 5-minute rows over 14 days, a daily wave, a 2.7-day wave, and 5-8 h, 1.5-3 h and
    // 30-60 min cycles whose ripple puts the autocorrelation's local peaks some rows either side of 288.
    for (const seed of [1, 2, 3]) {
      const rnd = randomFor(20, 3, seed);
      const waves = [
        { amplitude: 7, period: 288, phase: rnd.between(0, 2 * Math.PI) },
        { amplitude: 1.5, period: 2.7 * 288, phase: rnd.between(0, 2 * Math.PI) },
        { amplitude: 1.5, period: rnd.between(60, 96), phase: rnd.between(0, 2 * Math.PI) },
        { amplitude: 1, period: rnd.between(18, 36), phase: rnd.between(0, 2 * Math.PI) },
        { amplitude: 2, period: rnd.between(6, 12), phase: rnd.between(0, 2 * Math.PI) },
      ];
      const y = Array.from(
        { length: 14 * 288 },
        (_, t) => waves.reduce((v, w) => v + w.amplitude * Math.sin((2 * Math.PI * t) / w.period + w.phase), 0) + rnd.normal(),
      );
      const detected = detectSeasonLength(y, { maxLag: y.length / 2 - 1 });
      expect(Math.abs(detected - 288), `seed ${seed}: ${detected}`).to.be.at.most(1);
    }
  });

  it('finds no season in white noise, an AR(1) series or a random walk', () => {
    const rnd = randomFor(20, 4);
    const n = 4_032;
    const noise = Array.from({ length: n }, () => rnd.normal());
    const ar1: number[] = [0];
    const walk: number[] = [0];
    for (let t = 1; t < n; t++) {
      ar1.push(0.9 * ar1[t - 1]! + rnd.normal());
      walk.push(walk[t - 1]! + rnd.normal());
    }
    for (const [name, y] of [
      ['noise', noise],
      ['AR(1)', ar1],
      ['random walk', walk],
    ] as const) {
      expect(detectSeasonLength(y, { maxLag: n / 2 - 1 }), name).to.equal(0);
    }
  });

  it('intervalMultiplier gives the textbook multipliers and refuses a coverage outside (0, 1)', () => {
    expect(intervalMultiplier(0.95)).to.be.closeTo(1.959964, 1e-6);
    expect(intervalMultiplier(0.9)).to.be.closeTo(1.644854, 1e-6);
    expect(() => intervalMultiplier(1)).to.throw(RangeError, /coverage/);
  });
});
