import { expect } from 'chai';
import { DatabasePredictionStorage } from '../../../providers/embedded/DatabasePredictionStorage.js';
import type { PredictionRow, PredictionSet } from '../../../src/domain/Prediction.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openTempDatabase, type TempDatabase } from './tempDatabase.js';

const T0 = Date.UTC(2026, 0, 1);
const RES = 10_000;

function rows(count: number, anomalousAt: readonly number[] = []): PredictionRow[] {
  return Array.from({ length: count }, (_, i) => ({
    timeMs: T0 + i * RES,
    outputs: [i],
    contributions: [1],
    totalAnomaly: anomalousAt.includes(i) ? 9 + i : 1,
    threshold: 5,
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
  afterEach(async () => {
    await temp.cleanup();
  });

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
    expect(await storage.latestAnomalies({ limit: 2 })).to.deep.equal([
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
    const [series] = await temp.db.dataSource.query<{ tag_names: string }[]>('SELECT tag_names FROM prediction_series WHERE model = ?', [
      'a',
    ]);
    expect(JSON.parse(series!.tag_names)).to.deep.equal(['flow "in"', 'temp\nout']);
    const [row] = await temp.db.dataSource.query<{ details: string }[]>('SELECT details FROM prediction WHERE model = ?', ['a']);
    expect(JSON.parse(row!.details)).to.deep.equal({ t2: 1.5, q: null });
  });

  it("writes the series row again when a revision's tag names change, though it skips it for the same names", async () => {
    const tagNamesOf = async () =>
      (await temp.db.dataSource.query<{ tag_names: string }[]>('SELECT tag_names FROM prediction_series WHERE model = ?', ['a'])).map(
        (r) => JSON.parse(r.tag_names) as string[],
      );
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

  describe('as a PredictionReader', () => {
    it('reads back the rows of the newest revision in a range, in order, with tag names and details', async () => {
      await storage.store(set('a', 'r1', rows(3, [2])));
      const withDetails = rows(6, [3]).map((r) => ({ ...r, details: { t2: 2.5 } }));
      await storage.store({ ...set('a', 'r2', withDetails), tagNames: ['flow'] });
      const read = await storage.readPredictions({ project: 'plant', name: 'a' }, { fromMs: T0 + RES, toMs: T0 + 5 * RES });
      expect(read).to.deep.equal({
        project: 'plant',
        model: 'a',
        revision: 'r2',
        tagNames: ['flow'],
        rows: withDetails.slice(1, 5),
      });
    });

    it('reads a named revision, up to a limit, and NaN for values stored as null', async () => {
      await storage.store(
        set(
          'a',
          'r1',
          rows(6).map((r, i) => (i === 1 ? { ...r, totalAnomaly: NaN, outputs: [Infinity] } : r)),
        ),
      );
      await storage.store(set('a', 'r2', rows(6)));
      const read = await storage.readPredictions(
        { project: 'plant', name: 'a' },
        { fromMs: T0, toMs: T0 + 6 * RES },
        { revision: 'r1', limit: 2 },
      );
      expect(read.revision).to.equal('r1');
      expect(read.rows.map((r) => r.timeMs)).to.deep.equal([T0, T0 + RES]);
      expect(read.rows[1]!.totalAnomaly).to.be.NaN;
      expect(read.rows[1]!.outputs[0]).to.be.NaN;
    });

    it('reads the same rows as columns: one array per field, NaN for nulls, per-tag values as the stored JSON', async () => {
      const stored = rows(6).map((r, i) => (i === 2 ? { ...r, threshold: NaN, outputs: [-Infinity] } : r));
      await storage.store(set('a', 'r1', stored));
      await storage.store(set('a', 'r2', rows(7)));
      const ref = { project: 'plant', name: 'a' };
      const range = { fromMs: T0 + RES, toMs: T0 + 7 * RES };
      const columns = await storage.readPredictionColumns(ref, range, { revision: 'r1', limit: 3 });
      const read = await storage.readPredictions(ref, range, { revision: 'r1', limit: 3 });
      expect(columns).to.deep.equal({
        project: 'plant',
        model: 'a',
        revision: 'r1',
        tagNames: ['flow'],
        timeMs: read.rows.map((r) => r.timeMs),
        totalAnomaly: [1, 1, 1],
        threshold: [5, NaN, 5],
        isAnomaly: [false, false, false],
        outputsJson: ['[1]', '[null]', '[3]'],
        contributionsJson: ['[1]', '[1]', '[1]'],
      });
      const newest = await storage.readPredictionColumns(ref, range);
      expect(newest.revision).to.equal('r2');
      expect(newest.timeMs).to.have.length(6);
      const none = await storage.readPredictionColumns({ project: 'plant', name: 'nothing' }, range);
      expect(none).to.include({ revision: '' });
      expect(none.timeMs).to.deep.equal([]);
    });

    it('yields no rows for an unknown model, not an error', async () => {
      const read = await storage.readPredictions({ project: 'plant', name: 'nothing' }, { fromMs: T0, toMs: T0 + RES });
      expect(read.rows).to.deep.equal([]);
    });

    it('counts and lists anomalies of one project or model', async () => {
      await storage.store(set('a', 'r1', rows(10, [2, 7])));
      await storage.store(set('b', 'r1', rows(4, [1])));
      await storage.store({ ...set('c', 'r1', rows(3, [0])), project: 'other' });
      expect(await storage.countPredictions({ project: 'plant' })).to.equal(14);
      expect(await storage.countPredictions({ project: 'plant', model: 'b' })).to.equal(4);
      expect((await storage.latestAnomalies({ limit: 10, project: 'plant', model: 'a' })).map((a) => a.timeMs)).to.deep.equal([
        T0 + 7 * RES,
        T0 + 2 * RES,
      ]);
      expect((await storage.latestAnomalies({ limit: 10, project: 'other' })).map((a) => a.model)).to.deep.equal(['c']);
    });
  });
});
