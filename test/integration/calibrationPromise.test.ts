import { expect } from 'chai';
import { fitDetector, type DetectorOptions } from '../../providers/pca/fitDetector.js';
import type { Smoothing } from '../../providers/pca/smoothing.js';
import { ar1Process, falseAlarmRate } from '../unit/anomaly/ar1Process.js';

describe('control limits calibrated on held-out training data (200 000 rows, unit-tier version in test/unit/anomaly)', function () {
  this.timeout(180_000);
  // A stationary AR(1) process with correlated tags (ar1Process.ts): autocorrelated like 1 s sensor data,
  // which the parametric limits do not allow for. Fresh normal data comes from another seed.
  const training = ar1Process(200_000, 1);
  const fresh = ar1Process(400_000, 2);
  const options = (confidence: number, smoothing: Smoothing, lags = 1): DetectorOptions => ({
    explainedVariance: 0.8,
    confidence,
    lags,
    statistic: 'both',
    limitMethod: 'empirical',
    smoothing,
  });

  for (const confidence of [0.99, 0.999]) {
    it(`keeps the false-alarm rate on fresh normal data within 30 % of ${(1 - confidence).toFixed(3)} at confidence ${confidence}`, () => {
      const smoothing: Smoothing = { method: 'mean', rows: 1 };
      const params = fitDetector(training, options(confidence, smoothing));
      const rate = falseAlarmRate(params, fresh, smoothing);
      const nominal = 1 - confidence;
      console.log(
        `      confidence ${confidence}: fresh false-alarm rate ${rate.toFixed(5)}, calibration measured ` +
          `${params.calibration!.falseAlarmRate.toFixed(5)}, parametric limits ${params.calibration!.parametricFalseAlarmRate.toFixed(5)}`,
      );
      expect(rate).to.be.within(0.7 * nominal, 1.3 * nominal);
      expect(params.calibration!.falseAlarmRate).to.be.within(0.7 * nominal, 1.3 * nominal);
    });
  }

  it('keeps the promise for a smoothed statistic too (mean of 10 rows, static model, 0.99)', () => {
    const smoothing: Smoothing = { method: 'mean', rows: 10 };
    const params = fitDetector(training, options(0.99, smoothing, 0));
    const rate = falseAlarmRate(params, fresh, smoothing);
    console.log(
      `      smoothed: fresh false-alarm rate ${rate.toFixed(5)}, parametric limits measured ${params.calibration!.parametricFalseAlarmRate.toFixed(5)}`,
    );
    expect(rate).to.be.within(0.007, 0.013);
    // The parametric limits judge single independent rows; a smoothed autocorrelated statistic breaks that.
    expect(Math.abs(params.calibration!.parametricFalseAlarmRate - 0.01)).to.be.greaterThan(Math.abs(rate - 0.01));
  });
});
