import { expect } from 'chai';
import { fitPca } from '../../../providers/pca/fitPca.js';
import { fitDetector, type DetectorOptions } from '../../../providers/pca/fitDetector.js';
import { laggedColumns } from '../../../providers/pca/laggedColumns.js';
import { ANOMALY_THRESHOLD, predictRows, predictRowsYielding, scoringChunkRows } from '../../../providers/pca/predictRows.js';
import { scorePca } from '../../../providers/pca/scorePca.js';
import { trailingMean } from '../../../providers/pca/smoothing.js';
import { ar1Process } from './ar1Process.js';
import { columnsOf, handRows } from './handMatrix.js';

describe('trailingMean', () => {
  it('averages each value with up to window - 1 predecessors', () => {
    expect(Array.from(trailingMean(Float64Array.of(1, 2, 3, 4, 5), 3))).to.deep.equal([1, 1.5, 2, 3, 4]);
  });

  it('returns the values unchanged with a window of 1', () => {
    expect(Array.from(trailingMean(Float64Array.of(4, 1, 9), 1))).to.deep.equal([4, 1, 9]);
  });

  it("does not carry a huge value's rounding into later averages", () => {
    expect(Array.from(trailingMean(Float64Array.of(1e20, 0.1, 0.1, 0.1), 2))).to.deep.equal([1e20, 5e19, 0.1, 0.1]);
  });

  it('refuses a window below 1', () => {
    expect(() => trailingMean(Float64Array.of(1), 0)).to.throw(RangeError);
  });
});

describe('predictRows', () => {
  // Limits with k = 2, n = 5 at 95%: T²_lim = 30.5667, Q_lim = 0.7493527 (see controlLimits.test.ts).
  // Points (scorePca.test.ts): A has T² 0, Q 3.2; B has T² 1.7778, Q 0; C has T² 1, Q 0.8.
  const params = fitPca(columnsOf(handRows), { explainedVariance: 0.9, confidence: 0.95 });
  const points = [
    [5, 1, 10],
    [5, 5, 10],
    [4, 2, 11],
  ];
  const timestamps = Float64Array.of(1000, 2000, 3000);
  const input = { columns: columnsOf(points), timestamps, rowIndices: Int32Array.of(0, 1, 2), firstOutput: 0, smoothingWindow: 1 };

  it('scores each row as the larger of T²/T²_lim and Q/Q_lim against a threshold of 1', () => {
    const rows = predictRows(params, input);
    expect(rows.map((row) => row.timeMs)).to.deep.equal([1000, 2000, 3000]);
    expect(rows[0]!.totalAnomaly).to.be.closeTo(3.2 / 0.7493527, 1e-5);
    expect(rows[1]!.totalAnomaly).to.be.closeTo(16 / 9 / params.t2Limit, 1e-12);
    expect(rows[2]!.totalAnomaly).to.be.closeTo(0.8 / 0.7493527, 1e-5);
    expect(rows.map((row) => row.isAnomaly)).to.deep.equal([true, false, true]);
    expect(rows.every((row) => row.threshold === ANOMALY_THRESHOLD)).to.equal(true);
  });

  it('reports the raw statistics and their limits in details', () => {
    const [first] = predictRows(params, input);
    expect(first!.details).to.deep.equal({
      t2: first!.details!['t2'],
      t2_limit: params.t2Limit,
      q: first!.details!['q'],
      q_limit: params.qLimit,
    });
    expect(first!.details!['q']).to.be.closeTo(3.2, 1e-12);
  });

  it('smooths T² and Q over the window, feeding history rows without outputting them', () => {
    // Window 3 over Q = (3.2, 0, 0.8): the last row averages all three, Q̄ = 4/3; T̄² = (0 + 1.7778 + 1)/3.
    const rows = predictRows(params, { ...input, firstOutput: 2, smoothingWindow: 3 });
    expect(rows).to.have.length(1);
    expect(rows[0]!.timeMs).to.equal(3000);
    expect(rows[0]!.details!['q_smoothed']).to.be.closeTo(4 / 3, 1e-12);
    expect(rows[0]!.details!['q']).to.be.closeTo(0.8, 1e-12);
    expect(rows[0]!.totalAnomaly).to.be.closeTo(4 / 3 / params.qLimit, 1e-12);
  });

  it('lets a single-row spike pass below the threshold once smoothed with normal rows', () => {
    // A (Q/Q_lim = 4.27) then four copies of B (Q 0, T² 1.7778): the fifth row's window holds all five,
    // Q̄ = 3.2/5 = 0.64 (0.854 of Q_lim) and T̄² = 4·1.7778/5 = 1.4222, both below their limits.
    const spikeThenNormal = [
      [5, 1, 10],
      [5, 5, 10],
      [5, 5, 10],
      [5, 5, 10],
      [5, 5, 10],
    ];
    const rows = predictRows(params, {
      columns: columnsOf(spikeThenNormal),
      timestamps: Float64Array.from(spikeThenNormal, (_, i) => i),
      rowIndices: Int32Array.of(0, 1, 2, 3, 4),
      firstOutput: 0,
      smoothingWindow: 5,
    });
    expect(rows[0]!.isAnomaly).to.equal(true);
    expect(rows[4]!.details!['q_smoothed']).to.be.closeTo(0.64, 1e-12);
    expect(rows[4]!.totalAnomaly).to.be.closeTo(0.64 / 0.7493527, 1e-5);
    expect(rows[4]!.isAnomaly).to.equal(false);
  });

  it('reports outputs and contributions for the requested tags in the requested order', () => {
    const [first] = predictRows(params, { ...input, outputTags: [2, 0] });
    expect(first!.outputs).to.have.length(2);
    expect(first!.outputs[0]).to.be.closeTo(10, 1e-12);
    expect(first!.contributions[1]).to.be.closeTo(4.212973, 1e-6); // tag 0 of point A (scorePca.test.ts)
  });
});

describe('predictRows in chunks (predictRowsYielding)', function () {
  this.timeout(60_000);
  // 30 tags with 2 lags: chunks of about a hundred rows, so 3,000 rows cross many chunk boundaries.
  const phi = Array.from({ length: 30 }, (_, i) => 0.5 + 0.04 * (i % 10));
  const options: DetectorOptions = {
    explainedVariance: 0.9,
    confidence: 0.99,
    lags: 2,
    statistic: 'both',
    limitMethod: 'empirical',
    smoothing: { method: 'ewma', rows: 5 },
  };
  const params = fitDetector(ar1Process(2_000, 3, { phi }), options);
  const columns = ar1Process(3_000, 4, { phi });
  const rowIndices = Int32Array.from({ length: 3_000 }, (_, i) => i);
  const input = { columns, timestamps: Float64Array.from(rowIndices), rowIndices, firstOutput: 4, smoothing: options.smoothing };

  it('scores every row as one piece would: the chunks overlap by the lags', async () => {
    expect(scoringChunkRows(params)).to.be.below(300);
    const whole = scorePca(params, laggedColumns(columns, rowIndices, 2));
    const rows = await predictRowsYielding(params, input);
    expect(rows).to.have.length(3_000 - 4);
    rows.forEach((row, i) => {
      expect(row.details?.['t2'], `t2 of row ${i + 4}`).to.equal(whole.t2[i + 4]);
      expect(row.details?.['q'], `q of row ${i + 4}`).to.equal(whole.q[i + 4]);
    });
    expect(rows).to.deep.equal(predictRows(params, input));
  });

  it("stops at the signal's reason when it fires mid-scoring: the loop turns between chunks", async () => {
    const controller = new AbortController();
    const reason = new DOMException('task timed out', 'TimeoutError');
    // A timer, as the executor's deadline is: scoring in one piece would finish before it could fire.
    setTimeout(() => controller.abort(reason), 0);
    const err = await predictRowsYielding(params, input, controller.signal).then(
      () => expect.fail('expected the scoring to stop'),
      (e: unknown) => e,
    );
    expect(err).to.equal(reason);
  });
});
