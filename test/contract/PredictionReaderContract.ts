import { expect } from 'chai';
import type { PredictionReader } from '../../src/contracts/PredictionReader.js';
import type { PredictionStorageProvider } from '../../src/contracts/PredictionStorageProvider.js';
import type { ForecastSet } from '../../src/domain/Forecast.js';
import type { PredictionRow, PredictionSet } from '../../src/domain/Prediction.js';

/** What one run of the suite needs; made afresh for every test. */
export interface PredictionReaderSubject {
  /** Storage over an empty backend, and the reader of what it stores. */
  readonly storage: PredictionStorageProvider;
  readonly reader: PredictionReader;
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
const RES = 10_000;
const MODEL = { project: 'plant "north"', name: 'compressor 1 ünï' };

function row(i: number, overrides: Partial<PredictionRow> = {}): PredictionRow {
  return {
    timeMs: T0 + i * RES,
    outputs: [10 + i, 20.5 + i],
    contributions: [0.25 * i, 1.5],
    totalAnomaly: 1 + i / 4,
    threshold: 2,
    isAnomaly: 1 + i / 4 > 2,
    details: { t2: i },
    ...overrides,
  };
}

function predictionSet(rows: readonly PredictionRow[], overrides: Partial<PredictionSet> = {}): PredictionSet {
  return {
    project: MODEL.project,
    model: MODEL.name,
    revision: 'r1',
    window: { fromMs: T0, toMs: T0 + 180 * RES },
    // Not in sorted order: the reader must keep the order stored.
    tagNames: ['pressure\nout', 'flow, main'],
    rows,
    ...overrides,
  };
}

function forecast(issuedAtMs: number, offset: number): ForecastSet {
  return {
    issuedAtMs,
    coverage: 0.95,
    points: [1, 2, 3].map((k) => ({
      timeMs: issuedAtMs + k * RES,
      yhat: [offset + k, offset - k],
      lower: [offset + k - 1, offset - k - 1],
      upper: [offset + k + 1, offset - k + 1],
    })),
  };
}

const range = (from: number, to: number) => ({ fromMs: T0 + from * RES, toMs: T0 + to * RES });

/**
 * The behaviour every PredictionReader shows over what its storage wrote: rows of one revision in a
 * half-open range (the newest revision when none is named), counts, the latest anomalies newest first,
 * and, for stores that keep forecasts, the latest forecast and one as issued at a past time.
 */
export function describePredictionReaderContract(
  name: string,
  makeSubject: () => Promise<PredictionReaderSubject>,
  options: {
    /** False for a store that keeps no forecasts (its reader has no `readForecast`): those cases are left out. */
    forecasts: boolean;
    /** False for a store that reads the model's current revision when none is named, not the newest in the range. */
    newestRevisionInRange: boolean;
    /** False for a store that keeps no model details (`PredictionRow.details`, e.g. t2 and q of the PCA model). */
    details: boolean;
  },
): void {
  /** A row as the store reads it back. */
  const stored = (r: PredictionRow): PredictionRow => {
    if (options.details) return r;
    const { details: _details, ...rest } = r;
    return rest;
  };
  describe(`PredictionReader contract: ${name}`, () => {
    let subject: PredictionReaderSubject | undefined;
    const current = (): PredictionReaderSubject => subject ?? expect.fail('makeSubject did not complete');

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    it('reads the rows of a range back as stored, tag names in their order, [from, to)', async () => {
      const rows = Array.from({ length: 12 }, (_, i) => row(i));
      await current().storage.store(predictionSet(rows));
      const read = await current().reader.readPredictions(MODEL, range(2, 9));
      expect(read).to.deep.include({
        project: MODEL.project,
        model: MODEL.name,
        revision: 'r1',
        tagNames: ['pressure\nout', 'flow, main'],
      });
      expect(read.rows).to.deep.equal(rows.slice(2, 9).map(stored));
    });

    it('reads NaN where a value was not finite', async () => {
      await current().storage.store(predictionSet([row(0, { outputs: [NaN, 1], totalAnomaly: Infinity }), row(1)]));
      const [first, second] = (await current().reader.readPredictions(MODEL, range(0, 2))).rows;
      expect(first!.outputs[0]).to.be.NaN;
      expect(first!.outputs[1]).to.equal(1);
      expect(first!.totalAnomaly).to.be.NaN;
      expect(first!.threshold).to.equal(2);
      expect(second).to.deep.equal(stored(row(1)));
    });

    if (options.newestRevisionInRange)
      it('reads the revision of the newest row in the range unless one is named', async () => {
        await current().storage.store(predictionSet([row(0), row(1), row(2)]));
        await current().storage.store(predictionSet([row(3, { totalAnomaly: 9 })], { revision: 'r2', tagNames: ['only'] }));
        const newest = await current().reader.readPredictions(MODEL, range(0, 10));
        expect(newest.revision).to.equal('r2');
        expect(newest.tagNames).to.deep.equal(['only']);
        expect(newest.rows.map((r) => r.totalAnomaly)).to.deep.equal([9]);
        expect((await current().reader.readPredictions(MODEL, range(0, 3))).revision).to.equal('r1');
      });

    it('reads a named revision, and the earliest rows up to a limit', async () => {
      await current().storage.store(predictionSet([row(0), row(1), row(2)]));
      await current().storage.store(predictionSet([row(3, { totalAnomaly: 9 })], { revision: 'r2', tagNames: ['only'] }));
      const limited = await current().reader.readPredictions(MODEL, range(0, 10), { revision: 'r1', limit: 2 });
      expect(limited).to.deep.include({ revision: 'r1', tagNames: ['pressure\nout', 'flow, main'] });
      expect(limited.rows).to.deep.equal([row(0), row(1)].map(stored));
      const r2 = await current().reader.readPredictions(MODEL, range(0, 10), { revision: 'r2' });
      expect(r2.rows.map((r) => r.totalAnomaly)).to.deep.equal([9]);
    });

    it('reads no rows of an unknown model or an empty range, without an error', async () => {
      await current().storage.store(predictionSet([row(0)]));
      expect((await current().reader.readPredictions({ project: MODEL.project, name: 'unknown' }, range(0, 10))).rows).to.deep.equal([]);
      expect((await current().reader.readPredictions(MODEL, range(5, 10))).rows).to.deep.equal([]);
    });

    it('counts rows overall, of a project and of a model, a rewrite counted once', async () => {
      const set = predictionSet([row(0), row(1), row(2)]);
      await current().storage.store(set);
      await current().storage.store(set);
      await current().storage.store(predictionSet([row(0)], { model: 'other' }));
      await current().storage.store(predictionSet([row(0)], { project: 'elsewhere' }));
      expect(await current().reader.countPredictions()).to.equal(5);
      expect(await current().reader.countPredictions({ project: MODEL.project })).to.equal(4);
      expect(await current().reader.countPredictions({ project: MODEL.project, model: MODEL.name })).to.equal(3);
    });

    it('lists the latest anomalies newest first, with score and threshold, limited and filtered', async () => {
      // Rows 5.. are anomalous (1 + i/4 > 2).
      await current().storage.store(predictionSet(Array.from({ length: 8 }, (_, i) => row(i))));
      await current().storage.store(predictionSet([row(20, { isAnomaly: true, totalAnomaly: 50 })], { model: 'other' }));
      const latest = await current().reader.latestAnomalies({ limit: 3 });
      expect(latest).to.deep.equal([
        { project: MODEL.project, model: 'other', timeMs: T0 + 20 * RES, totalAnomaly: 50, threshold: 2 },
        { project: MODEL.project, model: MODEL.name, timeMs: T0 + 7 * RES, totalAnomaly: 2.75, threshold: 2 },
        { project: MODEL.project, model: MODEL.name, timeMs: T0 + 6 * RES, totalAnomaly: 2.5, threshold: 2 },
      ]);
      const ofModel = await current().reader.latestAnomalies({ limit: 10, project: MODEL.project, model: MODEL.name });
      expect(ofModel.map((a) => a.timeMs)).to.deep.equal([7, 6, 5].map((i) => T0 + i * RES));
    });

    if (!options.forecasts) return;
    it('reads the latest forecast, one as issued at a past time, and a rewrite in place', async () => {
      const reader = current().reader;
      expect(await reader.readForecast!(MODEL)).to.equal(undefined);
      const first = forecast(T0 + 10 * RES, 100);
      const second = forecast(T0 + 20 * RES, 200);
      await current().storage.store(predictionSet([row(10)], { forecast: first }));
      await current().storage.store(predictionSet([row(20)], { forecast: second }));
      await current().storage.store(predictionSet([row(20)], { forecast: second }));
      const expected = (f: ForecastSet) => ({
        project: MODEL.project,
        model: MODEL.name,
        revision: 'r1',
        tagNames: ['pressure\nout', 'flow, main'],
        issuedAtMs: f.issuedAtMs,
        coverage: 0.95,
        points: f.points,
      });
      expect(await reader.readForecast!(MODEL)).to.deep.equal(expected(second));
      expect(await reader.readForecast!(MODEL, { asOfMs: T0 + 15 * RES })).to.deep.equal(expected(first));
      expect(await reader.readForecast!(MODEL, { asOfMs: T0 })).to.equal(undefined);
      expect((await reader.readPredictions(MODEL, range(0, 30))).rows).to.deep.equal([row(10), row(20)].map(stored));
    });
  });
}
