import { expect } from 'chai';
import { jacksonMudholkarQLimit } from '../../../providers/pca/controlLimits.js';
import { chooseLags, partialAutocorrelation } from '../../../providers/pca/chooseLags.js';
import { fitDetector, type DetectorOptions } from '../../../providers/pca/fitDetector.js';
import { foldLags, laggedColumns } from '../../../providers/pca/laggedColumns.js';
import { predictRows } from '../../../providers/pca/predictRows.js';
import { scorePca } from '../../../providers/pca/scorePca.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';
import { ar1Process } from './ar1Process.js';

const arrays = (columns: readonly Float64Array[]) => columns.map((column) => Array.from(column));

describe('laggedColumns', () => {
  const columns = [Float64Array.of(1, 2, 3, 4), Float64Array.of(10, 20, 30, 40)];

  it('lays out each tag with its lagged copies (tag-major), bridging to the previous selected sample', () => {
    // Rows 0, 1, 3 selected (row 2 a gap): lag 1 of row 3 is row 1, the previous complete sample.
    expect(arrays(laggedColumns(columns, Int32Array.of(0, 1, 3), 2))).to.deep.equal([
      [1, 2, 4],
      [1, 1, 2],
      [1, 1, 1],
      [10, 20, 40],
      [10, 10, 20],
      [10, 10, 10],
    ]);
  });

  it('drops the rows without a full lag history when training asks it to', () => {
    expect(arrays(laggedColumns(columns, Int32Array.of(0, 1, 2, 3), 1, { dropIncomplete: true }))).to.deep.equal([
      [2, 3, 4],
      [1, 2, 3],
      [20, 30, 40],
      [10, 20, 30],
    ]);
  });

  it('is the columns themselves with no lags', () => {
    expect(arrays(laggedColumns(columns, Int32Array.of(0, 1, 2, 3), 0))).to.deep.equal(arrays(columns));
  });
});

describe('foldLags', () => {
  it("sums each tag's lagged copies, row by row", () => {
    // 2 rows, 2 tags, 1 lag: [a0, a1, b0, b1] per row.
    expect(Array.from(foldLags(Float64Array.of(1, 2, 3, 4, 10, 20, 30, 40), 2, 2, 1))).to.deep.equal([3, 7, 30, 70]);
  });
});

describe('dynamic PCA by hand', () => {
  // One tag x = 1, 2, 4, 3, 5 with one lag. Training pairs (x_t, x_{t-1}): (2,1) (4,2) (3,4) (5,3).
  // Means 3.5 and 2.5; both columns have Σd² = 5, so variance 5/3; Σd0·d1 = 2.25 - 0.25 - 0.75 + 0.75 = 2,
  // correlation 2/5 = 0.4. Eigenpairs: 1.4 along (1, 1)/√2, 0.6 along (1, -1)/√2; explained 0.5 keeps k = 1.
  const x = Float64Array.of(1, 2, 4, 3, 5);
  const options: DetectorOptions = {
    explainedVariance: 0.5,
    confidence: 0.95,
    lags: 1,
    statistic: 'q',
    limitMethod: 'parametric',
    smoothing: { method: 'mean', rows: 1 },
  };
  const params = fitDetector([x], options);

  it('fits the lag-augmented matrix', () => {
    expect(params.lags).to.equal(1);
    expect(params.nTrain).to.equal(4);
    expect(params.means).to.deep.equal([3.5, 2.5]);
    params.stds.forEach((std) => expect(std).to.be.closeTo(Math.sqrt(5 / 3), 1e-12));
    expect(params.eigenvalues[0]).to.be.closeTo(1.4, 1e-12);
    expect(params.eigenvalues[1]).to.be.closeTo(0.6, 1e-12);
    expect(params.k).to.equal(1);
  });

  it('sets the parametric limits from n = 4 rows and the discarded eigenvalue 0.6', () => {
    // T²_lim = k(n-1)(n+1)/(n(n-k)) · F = 1·3·5/(4·3) · F_{1,3}(0.95) = 1.25 · 10.128.
    expect(params.t2Limit).to.be.closeTo(1.25 * 10.128, 2e-3);
    expect(params.qLimit).to.be.closeTo(jacksonMudholkarQLimit([0.6], 0.95), 1e-12);
  });

  it('scores a new sample with its predecessor, and folds the contributions back onto the tag', () => {
    // Sample x_t = 1 after x_{t-1} = 5: z = (-2.5, 2.5)/√(5/3). Its score on (1,1)/√2 is 0, so T² = 0 and
    // the output is the mean 3.5; the residual along (1,-1)/√2 is -5/√(5/3)/√2, so Q = 25·3/5/2 = 7.5.
    // With statistic q, D = vvᵀ/Q_lim, (Dz)_j = ±(z0 - z1)/(2 Q_lim) and D_jj = 1/(2 Q_lim), so each lagged copy
    // contributes (z0 - z1)²/(2 Q_lim) = 15/2/Q_lim = 7.5/Q_lim (replacing either copy alone explains the whole
    // residual); folded onto the one tag: 15/Q_lim.
    const [row] = predictRows(params, {
      columns: [Float64Array.of(5, 1)],
      timestamps: Float64Array.of(0, 1),
      rowIndices: Int32Array.of(0, 1),
      firstOutput: 1,
    });
    expect(row!.timeMs).to.equal(1);
    expect(row!.details!['t2']).to.be.closeTo(0, 1e-12);
    expect(row!.details!['q']).to.be.closeTo(7.5, 1e-12);
    expect(row!.outputs).to.have.length(1);
    expect(row!.outputs[0]).to.be.closeTo(3.5, 1e-12);
    expect(row!.contributions).to.have.length(1);
    expect(row!.contributions[0]).to.be.closeTo(15 / params.qLimit, 1e-12);
    expect(row!.totalAnomaly).to.be.closeTo(7.5 / params.qLimit, 1e-12);
  });

  it('scores the very first sample of the data too, its missing lag repeating it', () => {
    // (5, 5): z = (1.5, 2.5)/√(5/3); residual (z0 - z1)/√2 = -1/√(5/3)/√2, Q = 3/5/2 = 0.3.
    const rows = predictRows(params, {
      columns: [Float64Array.of(5)],
      timestamps: Float64Array.of(0),
      rowIndices: Int32Array.of(0),
      firstOutput: 0,
    });
    expect(rows).to.have.length(1);
    expect(rows[0]!.details!['q']).to.be.closeTo(0.3, 1e-12);
  });

  it('folds contributions of a two-tag model to the sums of what the augmented model gives each copy', () => {
    const columns = ar1Process(400, 3, { phi: [0.8, 0.5] });
    const model = fitDetector(columns, { ...options, statistic: 'both', explainedVariance: 0.6 });
    const rowIndices = Int32Array.from({ length: 10 }, (_, i) => 300 + i);
    const rows = predictRows(model, { columns, timestamps: Float64Array.from({ length: 400 }, (_, i) => i), rowIndices, firstOutput: 1 });
    const augmented = scorePca(model, laggedColumns(columns, rowIndices, 1));
    rows.forEach((row, r) => {
      const base = (r + 1) * 4;
      expect(row.contributions[0]).to.be.closeTo(augmented.contributions[base]! + augmented.contributions[base + 1]!, 1e-12);
      expect(row.contributions[1]).to.be.closeTo(augmented.contributions[base + 2]! + augmented.contributions[base + 3]!, 1e-12);
      expect(row.details!['q']).to.be.closeTo(augmented.q[r + 1]!, 1e-12);
    });
  });
});

describe('statistic choice', () => {
  const columns = ar1Process(2000, 11);
  const base: DetectorOptions = {
    explainedVariance: 0.8,
    confidence: 0.99,
    lags: 0,
    statistic: 'both',
    limitMethod: 'parametric',
    smoothing: { method: 'mean', rows: 1 },
  };
  const score = (statistic: 't2' | 'q' | 'both') => {
    const model = fitDetector(columns, { ...base, statistic });
    const rows = predictRows(model, {
      columns,
      timestamps: Float64Array.from({ length: 2000 }, (_, i) => i),
      rowIndices: Int32Array.from({ length: 50 }, (_, i) => i),
      firstOutput: 0,
    });
    return rows;
  };

  it('thresholds T² alone, Q alone, or the larger of both, keeping both statistics and limits in details', () => {
    const t2 = score('t2');
    const q = score('q');
    const both = score('both');
    for (let r = 0; r < 50; r++) {
      const d = both[r]!.details!;
      expect(t2[r]!.totalAnomaly).to.be.closeTo(d['t2']! / d['t2_limit']!, 1e-12);
      expect(q[r]!.totalAnomaly).to.be.closeTo(d['q']! / d['q_limit']!, 1e-12);
      expect(both[r]!.totalAnomaly).to.be.closeTo(Math.max(d['t2']! / d['t2_limit']!, d['q']! / d['q_limit']!), 1e-12);
      expect(Object.keys(t2[r]!.details!)).to.have.members(['t2', 't2_limit', 'q', 'q_limit']);
    }
    // Not all the same: the choice changes what alarms.
    expect(t2.some((row, r) => Math.abs(row.totalAnomaly - q[r]!.totalAnomaly) > 0.1)).to.equal(true);
  });

  it('refuses statistic q for a model without a residual space', () => {
    expect(() => fitDetector([columns[0]!], { ...base, statistic: 'q' })).to.throw(InvalidDataError, /statistic q/);
  });
});

describe('chooseLags (lags: auto)', () => {
  it('finds the partial autocorrelation of an AR(1) at its coefficient, and nothing beyond', () => {
    const [x] = ar1Process(20_000, 5, { phi: [0.7] });
    const pacf = partialAutocorrelation(x!, 3);
    expect(pacf[0]).to.be.closeTo(0.7, 0.03);
    expect(Math.abs(pacf[1]!)).to.be.below(0.05);
    expect(chooseLags([x!])).to.equal(1);
  });

  it('chooses 0 for white noise and the order of an AR(2)', () => {
    const [noise] = ar1Process(20_000, 6, { phi: [0] });
    expect(chooseLags([noise!])).to.equal(0);
    const ar2 = new Float64Array(20_000);
    for (let t = 2; t < ar2.length; t++) ar2[t] = 0.5 * ar2[t - 1]! + 0.3 * ar2[t - 2]! + noise![t]!;
    expect(chooseLags([ar2])).to.equal(2);
  });
});

describe('scorePca statisticsOnly (what calibration uses)', () => {
  it('gives the same T² and Q as a full scoring, without contributions or outputs', () => {
    const columns = ar1Process(600, 8);
    const model = fitDetector(columns, {
      explainedVariance: 0.8,
      confidence: 0.99,
      lags: 0,
      statistic: 'both',
      limitMethod: 'parametric',
      smoothing: { method: 'mean', rows: 1 },
    });
    const full = scorePca(model, columns);
    const fast = scorePca(model, columns, undefined, { statisticsOnly: true });
    expect(Array.from(fast.t2)).to.deep.equal(Array.from(full.t2));
    expect(Array.from(fast.q)).to.deep.equal(Array.from(full.q));
    expect(fast.contributions).to.have.length(0);
  });
});
