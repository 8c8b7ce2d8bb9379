import { expect } from 'chai';
import { fitPca } from '../../../providers/pca/fitPca.js';
import { scorePca } from '../../../providers/pca/scorePca.js';
import { InsufficientDataError } from '../../../src/runtime/errors.js';
import { columnsOf, handRows, SQRT_2_5 } from './handMatrix.js';

const close = 1e-9;

function expectVector(actual: readonly number[], expected: readonly number[], tolerance = close): void {
  expect(actual).to.have.length(expected.length);
  expected.forEach((value, i) => expect(actual[i], `element ${i}`).to.be.closeTo(value, tolerance));
}

describe('fitPca', () => {
  const fit = (explainedVariance: number, confidence = 0.95) => fitPca(columnsOf(handRows), { explainedVariance, confidence });

  it('fits means and sample standard deviations on the training samples', () => {
    const params = fit(0.9);
    expectVector(params.means, [3, 3, 10]);
    expectVector(params.stds, [SQRT_2_5, SQRT_2_5, 1]);
  });

  it('finds the eigenvalues of the correlation matrix in descending order', () => {
    expectVector(fit(0.9).eigenvalues, [1.8, 1.0, 0.2]);
  });

  it('keeps the leading eigenvectors as loadings, largest entry positive', () => {
    const params = fit(0.9);
    expect(params.k).to.equal(2);
    expectVector(params.loadings[0]!, [Math.SQRT1_2, Math.SQRT1_2, 0]);
    expectVector(params.loadings[1]!, [0, 0, 1]);
  });

  it('keeps the fewest components reaching the explained-variance share', () => {
    // Cumulative shares 0.6, 0.933, 1.
    expect(fit(0.5).k).to.equal(1);
    expect(fit(0.9).k).to.equal(2);
  });

  it('leaves at least one component to the residual space even when the share asks for all', () => {
    expect(fit(0.95).k).to.equal(2);
    expect(fit(1).k).to.equal(2);
  });

  // n = 5, k = 2: T² limit = 3.2 · F_0.95(2, 3) = 3.2 · 9.552; Q limit from λ3 = 0.2 (controlLimits.test.ts).
  it('derives both control limits from the training data', () => {
    const params = fit(0.9);
    expect(params.nTrain).to.equal(5);
    expect(params.t2Limit).to.be.closeTo(3.2 * 9.552, 5e-3);
    expect(params.qLimit).to.be.closeTo(0.7493527, 1e-6);
  });

  // Each component's squared scores sum to (n - 1)λ over the training rows, so ΣT² = (n - 1)k = 8 and
  // ΣQ = (n - 1)·Σ discarded λ = 4 · 0.2 = 0.8.
  it('scores the training rows with T² summing to (n-1)k and Q to (n-1) times the discarded variance', () => {
    const params = fit(0.9);
    const scores = scorePca(params, columnsOf(handRows));
    expect(scores.t2.reduce((a, b) => a + b, 0)).to.be.closeTo(8, close);
    expect(scores.q.reduce((a, b) => a + b, 0)).to.be.closeTo(0.8, close);
  });

  it('is deterministic and JSON round-trips exactly', () => {
    const params = fit(0.9);
    expect(JSON.parse(JSON.stringify(params))).to.deep.equal(fit(0.9));
  });

  it('accepts a tag that was constant in training and scores its later movement as a large Q', () => {
    const rows = handRows.map((row) => [...row, 7]);
    const params = fitPca(columnsOf(rows), { explainedVariance: 0.9, confidence: 0.95 });
    expect(params.eigenvalues[3]).to.equal(0);
    expectVector(params.eigenvalues.slice(0, 3), [1.8, 1.0, 0.2]);
    const [still, moved] = [scorePca(params, columnsOf([[3, 3, 10, 7]])), scorePca(params, columnsOf([[3, 3, 10, 7.5]]))];
    expect(still.q[0]).to.be.lessThan(1e-12);
    expect(moved.q[0]! / params.qLimit).to.be.greaterThan(1e6);
  });

  it('with a single tag keeps k = p = 1, scores no Q and stores a Q limit of 0', () => {
    const params = fitPca([Float64Array.of(1, 2, 3, 4, 5)], { explainedVariance: 0.9, confidence: 0.95 });
    expect(params.k).to.equal(1);
    expect(params.qLimit).to.equal(0);
    expect(scorePca(params, [Float64Array.of(9)]).q[0]).to.equal(0);
  });

  it('throws InsufficientDataError with fewer than three samples', () => {
    expect(() => fitPca(columnsOf(handRows.slice(0, 2)), { explainedVariance: 0.9, confidence: 0.95 })).to.throw(InsufficientDataError);
  });

  it('throws InsufficientDataError when no tag varied during training', () => {
    const flat = [
      [1, 2],
      [1, 2],
      [1, 2],
      [1, 2],
    ];
    expect(() => fitPca(columnsOf(flat), { explainedVariance: 0.9, confidence: 0.95 })).to.throw(InsufficientDataError, /constant/);
  });
});
