import { expect } from 'chai';
import { DatabasePredictionStorage } from '../../../providers/embedded/DatabasePredictionStorage.js';
import { ForecastModelExecutionProvider } from '../../../providers/forecast/ForecastModelExecutionProvider.js';
import { randomFor } from '../../../src/demo/random.js';
import type { ModelDescription } from '../../../src/domain/ModelDescription.js';
import { emptyQualityCounts, type SensorFrame } from '../../../src/domain/SensorFrame.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openTempDatabase, type TempDatabase } from '../embedded/tempDatabase.js';

const RES = 300_000; // 5 min
const DAY = 86_400_000;
const tag = { name: 'temp', asset: 'pump' };

function model(kind: 'forecast' | 'forecast_anomaly', parameters: Record<string, unknown> = {}): ModelDescription {
  return {
    project: 'plant',
    name: `m-${kind}`,
    revision: 'r1',
    kind,
    inputTags: [tag],
    targetTags: [tag],
    resolutionMs: RES,
    trainingRange: { fromMs: 0, toMs: 1 },
    parameters: { max_n_points: 288 * 4, horizon: 24, refit_interval_ms: DAY, season_length: 288, ...parameters },
  };
}

/** Daily sine + unit noise on 5-minute rows from `fromMs`, with `spikes` (row index → added value). */
function frame(fromMs: number, rows: number, spikes: Record<number, number> = {}): SensorFrame {
  const rnd = randomFor(22, 1);
  const timestamps = Float64Array.from({ length: rows }, (_, i) => fromMs + i * RES);
  const values = Float64Array.from(timestamps, (t, i) => 50 + 10 * Math.sin((2 * Math.PI * t) / DAY) + rnd.normal() + (spikes[i] ?? 0));
  return {
    range: { fromMs, toMs: fromMs + rows * RES },
    resolutionMs: RES,
    tags: [tag],
    timestamps,
    columns: [values],
    quality: emptyQualityCounts(),
  };
}

describe('ForecastModelExecutionProvider', () => {
  const start = 10 * DAY;
  const window = { fromMs: start + DAY + 12 * RES, toMs: start + DAY + 24 * RES };
  let temp: TempDatabase;
  beforeEach(async () => (temp = await openTempDatabase()));
  afterEach(() => temp.cleanup());

  it('asks for max_n_points plus one refit interval of history', () => {
    expect(new ForecastModelExecutionProvider(silentLogger).requiredHistoryRows(model('forecast'))).to.equal(288 * 4 + 288);
  });

  it('issues horizon steps at the window end, stored and read back as the latest and as issued at a past time', async () => {
    const provider = new ForecastModelExecutionProvider(silentLogger);
    const data = frame(start - 3 * DAY, (4 * DAY) / RES + 36);
    const first = await provider.execute(model('forecast'), data, window);
    const second = await provider.execute(model('forecast'), data, { fromMs: window.toMs, toMs: window.toMs + 12 * RES });
    expect(provider.fitCount).to.equal(1); // both windows fall in the same refit period
    expect(first.rows).to.have.length(12);
    expect(first.forecast!.issuedAtMs).to.equal(window.toMs);
    expect(first.forecast!.points).to.have.length(24);
    for (const p of first.forecast!.points) {
      expect(p.lower[0]!).to.be.below(p.yhat[0]!);
      expect(p.upper[0]!).to.be.above(p.yhat[0]!);
      // The daily sine is known: the forecast follows it within a few noise standard deviations.
      expect(p.yhat[0]!).to.be.closeTo(50 + 10 * Math.sin((2 * Math.PI * p.timeMs) / DAY), 3);
    }
    const storage = new DatabasePredictionStorage(temp.db, silentLogger);
    await storage.store(first);
    await storage.store(first); // a redelivery overwrites, never duplicates
    await storage.store(second);
    const latest = await storage.readForecast({ project: 'plant', name: 'm-forecast' });
    expect(latest!.issuedAtMs).to.equal(second.forecast!.issuedAtMs);
    const asIssued = await storage.readForecast({ project: 'plant', name: 'm-forecast' }, { asOfMs: window.toMs + RES });
    expect(asIssued!.issuedAtMs).to.equal(window.toMs);
    expect(asIssued!.tagNames).to.deep.equal(['temp']);
    expect(asIssued!.points.map((p) => p.yhat[0])).to.deep.equal(first.forecast!.points.map((p) => p.yhat[0]));
    expect(await storage.readForecast({ project: 'plant', name: 'other' })).to.equal(undefined);
  });

  it('forecast_anomaly flags an actual outside its interval, scored by the distance', async () => {
    const provider = new ForecastModelExecutionProvider(silentLogger);
    const rows = (4 * DAY) / RES + 24;
    const spikeRow = rows - 24 + 15; // inside the window [12, 24) after the day boundary
    const set = await provider.execute(
      model('forecast_anomaly', { coverage: 0.999 }),
      frame(start - 3 * DAY, rows, { [spikeRow]: 25 }),
      window,
    );
    const flagged = set.rows.filter((r) => r.isAnomaly);
    expect(flagged.map((r) => r.timeMs)).to.deep.equal([start - 3 * DAY + spikeRow * RES]);
    expect(flagged[0]!.totalAnomaly).to.be.above(1);
    expect(flagged[0]!.contributions[0]!).to.be.within(15, 25);
    expect(set.forecast).to.equal(undefined);
  });

  it('refuses a window whose fit period has too little data, saying why', async () => {
    const provider = new ForecastModelExecutionProvider(silentLogger);
    const data = frame(start + DAY - 5 * RES, 40);
    await provider.execute(model('forecast'), data, window).then(
      () => expect.fail('should reject'),
      (err: Error) => {
        expect(err.name).to.equal('InsufficientDataError');
        expect(err.message).to.contain('finite values');
      },
    );
  });
});
