import { expect } from 'chai';
import { DatabasePredictionStorage } from '../../../providers/embedded/DatabasePredictionStorage.js';
import type { PredictionRow, PredictionSet } from '../../../src/domain/Prediction.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openTempDatabase, type TempDatabase } from './tempDatabase.js';

const T0 = Date.UTC(2026, 0, 1);
const RES = 10_000;

function rows(count: number, anomalousAt: readonly number[] = []): PredictionRow[] {
  return Array.from({ length: count }, (_, i) => ({
    timeMs: T0 + i * RES, outputs: [i], contributions: [1], totalAnomaly: anomalousAt.includes(i) ? 9 + i : 1, threshold: 5,
    isAnomaly: anomalousAt.includes(i),
  }));
}

function set(model: string, revision: string, predictionRows: PredictionRow[]): PredictionSet {
  return { project: 'plant', model, revision, window: { fromMs: T0, toMs: T0 + 10 * RES }, tagNames: ['flow'], rows: predictionRows };
}

describe('DatabasePredictionStorage', () => {
  let temp: TempDatabase;
  let storage: DatabasePredictionStorage;

  beforeEach(async () => {
    temp = await openTempDatabase();
    storage = new DatabasePredictionStorage(temp.db, silentLogger);
  });
  afterEach(async () => { await temp.cleanup(); });

  it('counts stored rows over all models, once per timestamp however often stored', async () => {
    expect(await storage.countPredictions()).to.equal(0);
    await storage.store(set('a', 'r1', rows(10)));
    await storage.store(set('a', 'r1', rows(10)));
    await storage.store(set('b', 'r1', rows(4)));
    expect(await storage.countPredictions()).to.equal(14);
  });

  it('lists the latest anomalies newest first, up to the limit', async () => {
    await storage.store(set('a', 'r1', rows(10, [2, 7])));
    await storage.store(set('b', 'r1', rows(10, [5])));
    expect(await storage.latestAnomalies(2)).to.deep.equal([
      { project: 'plant', model: 'a', timeMs: T0 + 7 * RES, totalAnomaly: 16, threshold: 5 },
      { project: 'plant', model: 'b', timeMs: T0 + 5 * RES, totalAnomaly: 14, threshold: 5 },
    ]);
  });

  it('lists the anomalous timestamps of a model in a range, once each over all revisions', async () => {
    await storage.store(set('a', 'r1', rows(10, [1, 4, 8])));
    await storage.store(set('a', 'r2', rows(10, [4, 6])));
    await storage.store(set('b', 'r1', rows(10, [5])));
    const times = await storage.anomalyTimes('plant', 'a', { fromMs: T0 + 2 * RES, toMs: T0 + 8 * RES });
    expect(times).to.deep.equal([T0 + 4 * RES, T0 + 6 * RES]);
  });

  it('stores the tag names of a revision and the extra scores of each row', async () => {
    const withDetails = rows(1).map((r) => ({ ...r, details: { t2: 1.5, q: NaN } }));
    const result = await storage.store({ ...set('a', 'r1', withDetails), tagNames: ['flow "in"', 'temp\nout'] });
    expect(result).to.deep.equal({ written: 1, droppedNonFinite: 1 });
    const [series] = await temp.db.dataSource.query('SELECT tag_names FROM prediction_series WHERE model = ?', ['a']) as { tag_names: string }[];
    expect(JSON.parse(series!.tag_names)).to.deep.equal(['flow "in"', 'temp\nout']);
    const [row] = await temp.db.dataSource.query('SELECT details FROM prediction WHERE model = ?', ['a']) as { details: string }[];
    expect(JSON.parse(row!.details)).to.deep.equal({ t2: 1.5, q: null });
  });

  it('writes the series row again when a revision\'s tag names change, though it skips it for the same names', async () => {
    const tagNamesOf = async () => (await temp.db.dataSource.query('SELECT tag_names FROM prediction_series WHERE model = ?', ['a']) as { tag_names: string }[])
      .map((r) => JSON.parse(r.tag_names) as string[]);
    await storage.store({ ...set('a', 'r1', rows(2)), tagNames: ['flow'] });
    await storage.store({ ...set('a', 'r1', rows(2)), tagNames: ['flow'] });
    expect(await tagNamesOf()).to.deep.equal([['flow']]);
    await storage.store({ ...set('a', 'r1', rows(2)), tagNames: ['flow', 'temp'] });
    expect(await tagNamesOf()).to.deep.equal([['flow', 'temp']]);
  });

  it('stores sets larger than one statement in one go', async () => {
    const result = await storage.store(set('a', 'r1', rows(7_000)));
    expect(result.written).to.equal(7_000);
    expect(await storage.countPredictions()).to.equal(7_000);
  });
});
