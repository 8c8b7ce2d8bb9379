import { expect } from 'chai';
import { smooth } from '../../../providers/pca/smoothing.js';

describe('smooth', () => {
  const values = Float64Array.of(1, 9, 2, 100, 3);

  it('mean: the plain average of the last N values', () => {
    expect(Array.from(smooth(values, { method: 'mean', rows: 3 }))).to.deep.equal([1, 5, 4, 37, 35]);
  });

  it('median: the middle of the last N values, robust to one wild value', () => {
    expect(Array.from(smooth(values, { method: 'median', rows: 3 }))).to.deep.equal([1, 5, 2, 9, 3]);
  });

  it('ewma: weights α(1-α)^i with α = 2/(N+1), truncated at N values and renormalised', () => {
    // N = 3: α = 0.5, weights 0.5, 0.25, 0.125 -> normalised 4/7, 2/7, 1/7.
    const smoothed = smooth(values, { method: 'ewma', rows: 3 });
    expect(smoothed[0]).to.equal(1);
    expect(smoothed[1]).to.be.closeTo((0.5 * 9 + 0.25 * 1) / 0.75, 1e-12);
    expect(smoothed[4]).to.be.closeTo((4 * 3 + 2 * 100 + 1 * 2) / 7, 1e-12);
  });

  it('depends only on the last N values, so a longer past changes nothing', () => {
    for (const method of ['mean', 'median', 'ewma'] as const) {
      const long = smooth(Float64Array.of(50, 7, ...values), { method, rows: 3 });
      const short = smooth(values, { method, rows: 3 });
      expect(Array.from(long.subarray(4)), method).to.deep.equal(Array.from(short.subarray(2)));
    }
  });

  it('refuses fewer than one row', () => {
    expect(() => smooth(values, { method: 'median', rows: 0 })).to.throw(RangeError);
  });
});
