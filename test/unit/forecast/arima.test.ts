import { expect } from 'chai';
import { randomFor } from '../../../src/demo/random.js';
import { fitArima } from '../../../providers/forecast/arima.js';

const order = { p: 2, d: 0, q: 0, seasonalP: 0, seasonalD: 0, seasonLength: 0 };

function ar2(n: number, seed: number, phi1: number, phi2: number, mean = 0): number[] {
  const rnd = randomFor(21, seed);
  const x = [0, 0];
  for (let t = 2; t < n + 200; t++) x.push(phi1 * x[t - 1]! + phi2 * x[t - 2]! + rnd.normal());
  return x.slice(200).map((v) => v + mean);
}

describe('ARIMA', () => {
  it('recovers the coefficients of a simulated AR(2)', () => {
    const fitted = fitArima(ar2(5_000, 1, 0.6, -0.3, 20), order);
    expect(fitted.fit.ar[0]).to.be.closeTo(0.6, 0.05);
    expect(fitted.fit.ar[1]).to.be.closeTo(-0.3, 0.05);
    expect(fitted.fit.mean).to.be.closeTo(20, 0.1);
    expect(fitted.sigma).to.be.closeTo(1, 0.05);
  });

  it('recovers an MA(1) term with Hannan–Rissanen', () => {
    const rnd = randomFor(21, 3);
    let previous = 0;
    const y = Array.from({ length: 5_000 }, () => {
      const e = rnd.normal();
      const v = e + 0.5 * previous;
      previous = e;
      return v;
    });
    const fitted = fitArima(y, { ...order, p: 0, q: 1 });
    expect(fitted.fit.ma[0]).to.be.closeTo(0.5, 0.06);
  });

  it('forecasts revert to the mean and intervals widen to the process variance', () => {
    const fitted = fitArima(ar2(3_000, 2, 0.6, -0.3, 20), order);
    const path = fitted.forecast(100, 0.95);
    expect(path.yhat[99]).to.be.closeTo(20, 0.2);
    const width1 = path.upper[0]! - path.lower[0]!;
    const width100 = path.upper[99]! - path.lower[99]!;
    // Var of AR(2)(0.6, -0.3) with unit noise: (1-φ2)/((1+φ2)((1-φ2)²-φ1²)) = 1.3/(0.7·1.33) ≈ 1.396
    expect(width1).to.be.closeTo(2 * 1.96, 0.2);
    expect(width100).to.be.closeTo(2 * 1.96 * Math.sqrt(1.396), 0.25);
  });

  it('integrates a differenced model: a random walk with d = 1 forecasts flat with widening intervals', () => {
    const rnd = randomFor(21, 4);
    let level = 0;
    const y = Array.from({ length: 2_000 }, () => (level += rnd.normal()));
    const fitted = fitArima(y, { ...order, p: 0, d: 1 });
    const path = fitted.forecast(16, 0.95);
    expect(path.yhat[15]).to.be.closeTo(y[y.length - 1]!, 1e-9);
    expect((path.upper[15]! - path.yhat[15]!) / (path.upper[0]! - path.yhat[0]!)).to.be.closeTo(4, 0.01); // sqrt(16)
  });
});
