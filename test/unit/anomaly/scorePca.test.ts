import { expect } from 'chai';
import { fitPca } from '../../../providers/pca/fitPca.js';
import { scorePca } from '../../../providers/pca/scorePca.js';
import { columnsOf, handRows, SQRT_2_5 } from './handMatrix.js';

/*
 * Points scored against the hand matrix with k = 2 (v1 = (1,1,0)/√2 with λ1 = 1.8, v2 = (0,0,1) with λ2 = 1):
 *
 *  A = (5, 1, 10): z = (2/√2.5, -2/√2.5, 0); t1 = 0, t2 = 0 -> T² = 0.
 *      residual = z, Q = 4/2.5 + 4/2.5 = 3.2; reconstruction = the means (3, 3, 10).
 *  B = (5, 5, 10): z = (2/√2.5, 2/√2.5, 0); t1 = (4/√2.5)/√2 = 4/√5, t1² = 3.2 -> T² = 3.2/1.8 = 1.7778;
 *      residual 0, Q = 0; reconstruction = B itself.
 *  C = (4, 2, 11): z = (1/√2.5, -1/√2.5, 1); t1 = 0, t2 = 1 -> T² = 1/1 = 1;
 *      residual (1/√2.5, -1/√2.5, 0), Q = 0.4 + 0.4 = 0.8; reconstruction (3, 3, 11).
 */
describe('scorePca', () => {
  const params = fitPca(columnsOf(handRows), { explainedVariance: 0.9, confidence: 0.95 });
  const points = [
    [5, 1, 10],
    [5, 5, 10],
    [4, 2, 11],
  ];
  const scores = scorePca(params, columnsOf(points));
  const perTag = (values: Float64Array, row: number) => Array.from(values.subarray(row * 3, row * 3 + 3));

  it('computes Hotelling T² in the retained component space', () => {
    expect(scores.t2[0]).to.be.closeTo(0, 1e-12);
    expect(scores.t2[1]).to.be.closeTo(16 / 9, 1e-12);
    expect(scores.t2[2]).to.be.closeTo(1, 1e-12);
  });

  it('computes Q as the squared standardised residual', () => {
    expect(scores.q[0]).to.be.closeTo(3.2, 1e-12);
    expect(scores.q[1]).to.be.closeTo(0, 1e-12);
    expect(scores.q[2]).to.be.closeTo(0.8, 1e-12);
  });

  /*
   * Reconstruction-based contributions to φ = T²/T²_lim + Q/Q_lim. In the eigenbasis the metric D is diagonal:
   * D = v1v1ᵀ·d1 + v2v2ᵀ·d2 + v3v3ᵀ·d3 with d1 = 1/(1.8·T²_lim), d2 = 1/T²_lim, d3 = 1/Q_lim
   * (T²_lim = 30.566702, Q_lim = 0.7493527): d1 = 0.0181752, d2 = 0.0327153, d3 = 1.3344850.
   * Diagonal: D11 = D22 = (d1 + d3)/2 = 0.6763301, D33 = d2. Contribution_j = (Dz)_j² / D_jj.
   *  A: z = √2·a·v3 with a = 2/√2.5, Dz = a·d3·(1, -1, 0): c1 = c2 = 1.6·d3²/0.6763301 = 4.212973, c3 = 0
   *     (bounded by φ_A = 3.2·d3 = 4.270352).
   *  B: z = √2·a·v1, Dz = a·d1·(1, 1, 0): c1 = c2 = 1.6·d1²/0.6763301 = 0.00078148, c3 = 0.
   *  C: z = √2·b·v3 + v2 with b = 1/√2.5, Dz = b·d3·(1, -1, 0) + d2·(0, 0, 1):
   *     c1 = c2 = 0.4·d3²/0.6763301 = 1.053243, c3 = d2²/d2 = 0.0327153.
   */
  it('attributes each point to its tags by reconstruction-based contribution', () => {
    const expected = [
      [4.212973, 4.212973, 0],
      [0.00078148, 0.00078148, 0],
      [1.053243, 1.053243, 0.0327153],
    ];
    expected.forEach((row, r) =>
      perTag(scores.contributions, r).forEach((value, j) => expect(value, `row ${r} tag ${j}`).to.be.closeTo(row[j]!, 1e-6)),
    );
  });

  it('keeps each contribution between 0 and the combined index', () => {
    for (let row = 0; row < 3; row++) {
      const combined = scores.t2[row]! / params.t2Limit + scores.q[row]! / params.qLimit;
      for (const value of perTag(scores.contributions, row)) expect(value).to.be.within(0, combined + 1e-12);
    }
  });

  it('blames the faulty tag most when a single sensor is off', () => {
    // Each tag in turn pushed 3 stds off a normal training row: that tag must get the largest contribution.
    for (let tag = 0; tag < 3; tag++) {
      const faulty = [...handRows[2]!];
      faulty[tag] = faulty[tag]! + 3 * params.stds[tag]!;
      const contributions = perTag(scorePca(params, columnsOf([faulty])).contributions, 0);
      expect(contributions.indexOf(Math.max(...contributions)), `fault on tag ${tag}`).to.equal(tag);
    }
  });

  it("outputs the reconstruction in the tags' own units", () => {
    perTag(scores.outputs, 0).forEach((value, j) => expect(value).to.be.closeTo([3, 3, 10][j]!, 1e-12));
    perTag(scores.outputs, 1).forEach((value, j) => expect(value).to.be.closeTo([5, 5, 10][j]!, 1e-12));
    perTag(scores.outputs, 2).forEach((value, j) => expect(value).to.be.closeTo([3, 3, 11][j]!, 1e-12));
  });

  it('scores only the rows it is pointed at, in the given order', () => {
    const picked = scorePca(params, columnsOf(points), Int32Array.of(2, 0));
    expect(picked.count).to.equal(2);
    expect(picked.q[0]).to.be.closeTo(0.8, 1e-12);
    expect(picked.q[1]).to.be.closeTo(3.2, 1e-12);
  });

  it("refuses columns that do not match the model's tags", () => {
    expect(() => scorePca(params, columnsOf([[1, 2]]))).to.throw(RangeError);
  });

  it('uses the standardisation of the training data (the same deviation scores the same in any unit offset)', () => {
    // A point one training std above the mean on x3 alone: z = (0, 0, 1) -> T² = 1, Q = 0.
    const single = scorePca(params, columnsOf([[3, 3, 11]]));
    expect(single.t2[0]).to.be.closeTo(1, 1e-12);
    expect(single.q[0]).to.be.closeTo(0, 1e-12);
    expect(SQRT_2_5).to.be.closeTo(params.stds[0]!, 1e-12);
  });
});
