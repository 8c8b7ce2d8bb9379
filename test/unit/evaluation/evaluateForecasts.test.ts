import { expect } from 'chai';
import type { StoredForecast } from '../../../src/contracts/PredictionReader.js';
import { bucketStarts, emptyQualityCounts, type SensorFrame } from '../../../src/domain/SensorFrame.js';
import type { SensorTag } from '../../../src/domain/SensorTag.js';
import type { TimeRange } from '../../../src/domain/TimeRange.js';
import { evaluateForecasts } from '../../../src/evaluation/evaluateForecasts.js';
import { formatForecastEvaluation } from '../../../src/cli/formatEvaluation.js';

describe('evaluateForecasts (latigo evaluate of a forecast model)', () => {
  const issue = (issuedAtMs: number, yhat: number[]): StoredForecast => ({
    project: 'p',
    model: 'm',
    revision: 'r',
    tagNames: ['a'],
    issuedAtMs,
    coverage: 0.95,
    points: yhat.map((y, h) => ({ timeMs: issuedAtMs + 10 * h, yhat: [y], lower: [y - 1], upper: [y + 1] })),
  });
  // F2 overlaps F3's span and is passed over: the scored forecasts tile time, each target scored once.
  const stored = [issue(100, [10, 12, 14]), issue(130, [30, 30, 30]), issue(140, [20, 20, 20])];
  // 160 has no actual yet; 70..90 and 110, 120 are the seasonal naive values (a 30 ms season).
  const actuals: Record<number, number> = { 70: 10, 80: 10, 90: 10, 100: 10.5, 110: 14, 120: 14, 140: 21.5, 150: 20 };
  const reads: TimeRange[] = [];
  const sources = {
    readForecast: (_model: unknown, options?: { asOfMs?: number }) =>
      Promise.resolve(stored.filter((f) => f.issuedAtMs <= (options?.asOfMs ?? Infinity)).at(-1)),
    getData: (tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): Promise<SensorFrame> => {
      reads.push(range);
      const timestamps = bucketStarts(range, resolutionMs);
      return Promise.resolve({
        range,
        resolutionMs,
        tags,
        timestamps,
        columns: [Float64Array.from(timestamps, (t) => actuals[t] ?? NaN)],
        quality: emptyQualityCounts(),
      });
    },
  };

  it('scores the forecasts issued in the range against the actuals, by hand', async () => {
    const e = await evaluateForecasts(
      sources,
      { project: 'p', name: 'm' },
      { range: { fromMs: 0, toMs: 200 }, resolutionMs: 10, seasonMs: 30 },
    );
    expect(e.forecasts).to.equal(2); // F3 (issued 140), then F1 (in force before 140 - 20)
    expect(e.points).to.equal(5); // 160 has no actual
    // Errors 0.5, 2, 0 (F1) and 1.5, 0 (F3); seasonal naive errors 0.5, 4, 4 and 7.5, 6.
    expect(e.mae).to.be.closeTo(4 / 5, 1e-12);
    expect(e.rmse).to.be.closeTo(Math.sqrt(6.5 / 5), 1e-12);
    expect(e.mase).to.be.closeTo(4 / 22, 1e-12);
    expect(e.coverage).to.be.closeTo(3 / 5, 1e-12); // 14 at 110 and 21.5 at 140 fall outside
    expect(e.nominalCoverage).to.equal(0.95);
    expect(reads).to.deep.equal([{ fromMs: 70, toMs: 170 }]);
    expect(formatForecastEvaluation(e))
      .to.contain('2 forecasts, 5 target points')
      .and.to.contain('interval coverage 0.600 (nominal 0.950)');
  });

  it('scores only forecasts issued in the range, and says so when there are none', async () => {
    const later = await evaluateForecasts(
      sources,
      { project: 'p', name: 'm' },
      { range: { fromMs: 120, toMs: 200 }, resolutionMs: 10, seasonMs: 30 },
    );
    expect([later.forecasts, later.points]).to.deep.equal([1, 2]);
    const none = await evaluateForecasts(
      sources,
      { project: 'p', name: 'm' },
      { range: { fromMs: 0, toMs: 50 }, resolutionMs: 10, seasonMs: 30 },
    );
    expect([none.forecasts, none.points, none.nominalCoverage]).to.deep.equal([0, 0, null]);
    expect(formatForecastEvaluation(none)).to.contain('0 forecasts');
  });
});
