import { expect } from 'chai';
import { calibrateLimits, upperQuantile } from '../../../providers/pca/calibrateLimits.js';
import { fitDetector, type DetectorOptions } from '../../../providers/pca/fitDetector.js';
import type { Smoothing } from '../../../providers/pca/smoothing.js';
import { ar1Process, falseAlarmRate } from './ar1Process.js';

describe('control limits calibrated on held-out training data', function () {
  // The 200 000-row version of the promise (0.99 and 0.999, smoothed too) is in
  // test/integration/calibrationPromise.test.ts; this one is sized for the unit tier.
  //
  // Why 40 000 training and 80 000 fresh rows still test the promise at 0.99 with the same ±30 %: the fresh
  // rate's binomial standard error is √(0.01·0.99/80 000) = 0.035 % (3.5 % relative); exceedances of an
  // AR(1) with φ up to 0.9 come in clusters of a few rows, which inflates that about √3-fold to ~6 %.
  // The limit itself is a 0.99 quantile of 40 000 held-out rows, relative error ~ √3·√(0.01·0.99/40 000)/0.01
  // ≈ 9 %. Together ~11 % relative: ±30 % is about 2.8 standard errors, and a calibration that ignored
  // autocorrelation or judged rows in-sample (the parametric limits here flag ~1.8 %) fails it.
  const training = ar1Process(40_000, 1);
  const fresh = ar1Process(80_000, 2);
  const options = (confidence: number, smoothing: Smoothing, lags = 1): DetectorOptions => ({
    explainedVariance: 0.8,
    confidence,
    lags,
    statistic: 'both',
    limitMethod: 'empirical',
    smoothing,
  });

  it('keeps the false-alarm rate on fresh normal data within 30 % of 0.010 at confidence 0.99', () => {
    const smoothing: Smoothing = { method: 'mean', rows: 1 };
    const params = fitDetector(training, options(0.99, smoothing));
    const rate = falseAlarmRate(params, fresh, smoothing);
    console.log(
      `      confidence 0.99: fresh false-alarm rate ${rate.toFixed(5)}, calibration measured ` +
        `${params.calibration!.falseAlarmRate.toFixed(5)}, parametric limits ${params.calibration!.parametricFalseAlarmRate.toFixed(5)}`,
    );
    expect(rate).to.be.within(0.007, 0.013);
    expect(params.calibration!.falseAlarmRate).to.be.within(0.007, 0.013);
  });

  it('widens both limits together so that either one exceeded is a 1 - confidence share of held-out rows', () => {
    const columns = ar1Process(5_000, 4);
    const result = calibrateLimits(
      columns.map((c) => Float64Array.from(c)),
      {
        explainedVariance: 0.8,
        confidence: 0.95,
        statistic: 'both',
        smoothing: { method: 'mean', rows: 1 },
      },
    );
    const t2Only = calibrateLimits(columns, {
      explainedVariance: 0.8,
      confidence: 0.95,
      statistic: 't2',
      smoothing: { method: 'mean', rows: 1 },
    });
    expect(result.t2Limit).to.be.greaterThan(t2Only.t2Limit);
    expect(result.t2Limit / t2Only.t2Limit).to.be.closeTo(result.qLimit / t2Only.qLimit, 1e-9);
    expect(result.calibration).to.deep.include({ folds: 5, rows: 5_000 });
  });

  it('takes the ⌈c·n⌉-th smallest value as the upper quantile', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, shuffled order irrelevant
    expect(upperQuantile(values, 0.99)).to.equal(99);
    expect(upperQuantile(values, 0.995)).to.equal(100);
    expect(upperQuantile(values, 0.5)).to.equal(50);
  });
});
