import { expect } from 'chai';
import { forecastAccuracy } from '../../../src/evaluation/forecastAccuracy.js';

describe('forecastAccuracy', () => {
  const forecast = {
    project: 'p',
    model: 'm',
    revision: 'r',
    tagNames: ['a'],
    issuedAtMs: 100,
    coverage: 0.9,
    points: [
      { timeMs: 100, yhat: [10], lower: [9], upper: [11] },
      { timeMs: 110, yhat: [12], lower: [11], upper: [13] },
      { timeMs: 120, yhat: [14], lower: [13], upper: [15] },
    ],
  };
  // Actuals 10.5, 14, 14 at the targets; a season (30 ms) earlier 10, 10, 10.
  const actual = (_tag: string, t: number) => ({ 100: 10.5, 110: 14, 120: 14, 70: 10, 80: 10, 90: 10 })[t] ?? NaN;

  it('computes MAE, RMSE, MASE against the seasonal naive forecast and interval coverage, by hand', () => {
    const a = forecastAccuracy([forecast], actual, 30);
    expect(a.points).to.equal(3);
    expect(a.mae).to.be.closeTo((0.5 + 2 + 0) / 3, 1e-12);
    expect(a.rmse).to.be.closeTo(Math.sqrt((0.25 + 4 + 0) / 3), 1e-12);
    expect(a.mase).to.be.closeTo(2.5 / (0.5 + 4 + 4), 1e-12);
    expect(a.coverage).to.be.closeTo(2 / 3, 1e-12);
  });

  it('skips targets without an actual or a seasonal naive value', () => {
    expect(forecastAccuracy([forecast], actual, 1_000).points).to.equal(0);
  });
});
