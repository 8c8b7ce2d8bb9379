import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcaModelExecutionProvider, type PcaModelExecutionOptions } from '../../providers/pca/PcaModelExecutionProvider.js';
import { parseEmbeddedPredictorConfig } from '../../providers/pca/config.js';
import { ModelRevisionStore } from '../../providers/pca/ModelRevisionStore.js';
import type { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { paddedRange } from '../../src/executor/TaskRunner.js';
import { openDatabase, type OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { runMigrations } from '../../src/persistence/migrate.js';
import { InsufficientDataError, InvalidDataError, isAbortError, ProviderError } from '../../src/runtime/errors.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { describeModelExecutionContract } from './ModelExecutionContract.js';

import { GeneratedSensorData, MODEL, plantFrame, plantValue, RESOLUTION_MS, TAGS, TRAINING } from '../fixtures/compressorPlant.js';

interface Setup {
  dir: string;
  db: Database;
}

/** requiredHistoryRows of a model under the default predictor settings: lags 2, no smoothing. */
const DEFAULT_HISTORY_ROWS = 2;

async function tempDatabase(busyTimeoutMs = 5_000, dir = mkdtempSync(join(tmpdir(), 'latigo-pca-'))): Promise<Setup> {
  const db = await openDatabase({ url: `sqlite:${join(dir, 'latigo.sqlite')}`, busyTimeoutMs, logQueries: false }, withBuiltInTables);
  await runMigrations(db);
  return { dir, db };
}

function pcaProvider(
  db: Database,
  sensorData: SensorDataProvider,
  options: Record<string, unknown> = {},
  providerOptions: PcaModelExecutionOptions = {},
): PcaModelExecutionProvider {
  return new PcaModelExecutionProvider(db, sensorData, parseEmbeddedPredictorConfig(options, 'predictor'), silentLogger, providerOptions);
}

describeModelExecutionContract('embedded PCA model on SQLite', async () => {
  const { dir, db } = await tempDatabase();
  return {
    provider: pcaProvider(db, new GeneratedSensorData()),
    model: MODEL,
    normalFrame: (range) => plantFrame(TAGS, range, RESOLUTION_MS),
    async cleanup() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('PcaModelExecutionProvider', () => {
  let setup: Setup;
  beforeEach(async () => {
    setup = await tempDatabase();
  });
  afterEach(async () => {
    await setup.db.close();
    rmSync(setup.dir, { recursive: true, force: true });
  });

  // Two hours after the training range, on the grid; 180 rows like a 30-minute window at 10 s.
  const window: TimeRange = { fromMs: TRAINING.toMs + 720 * RESOLUTION_MS, toMs: TRAINING.toMs + 900 * RESOLUTION_MS };
  // The frame the executor reads for `window`: padded by the history the default model asks for (2 lags).
  const windowFrame = () => plantFrame(TAGS, paddedRange(window, MODEL, DEFAULT_HISTORY_ROWS), RESOLUTION_MS);
  const storedRevisions = async (db: Database) =>
    db.dataSource.query<{ revision: string; parameters: string; training_ms: number }[]>(
      'SELECT revision, parameters, training_ms FROM model_revision',
    );

  it('asks the executor for the rows its lags and smoothing reach back', async () => {
    expect(pcaProvider(setup.db, new GeneratedSensorData()).requiredHistoryRows(MODEL)).to.equal(DEFAULT_HISTORY_ROWS);
    expect(
      pcaProvider(setup.db, new GeneratedSensorData(), { lags: 3, smoothing: { method: 'median', rows: 5 } }).requiredHistoryRows(MODEL),
    ).to.equal(7);
    expect(pcaProvider(setup.db, new GeneratedSensorData(), { lags: 'auto' }).requiredHistoryRows(MODEL)).to.equal(5);
  });

  it("reads the history a window's padding lacks from the sensor data, so its first rows score as in a longer frame", async () => {
    const sensorData = new GeneratedSensorData();
    const provider = pcaProvider(setup.db, sensorData, { smoothing: { method: 'mean', rows: 3 } });
    await provider.register(MODEL);
    const long = await provider.execute(
      MODEL,
      plantFrame(TAGS, { fromMs: window.fromMs - 60 * RESOLUTION_MS, toMs: window.toMs }, RESOLUTION_MS),
      window,
    );
    const readsBefore = sensorData.reads;
    const unpadded = await provider.execute(MODEL, plantFrame(TAGS, window, RESOLUTION_MS), window);
    expect(sensorData.reads).to.equal(readsBefore + 1);
    expect(unpadded.counts).to.include({ history_reads: 1 });
    expect(unpadded.rows).to.deep.equal(long.rows);
  });

  it('trains a revision once, from its training range, and stores its parameters', async () => {
    const sensorData = new GeneratedSensorData();
    const provider = pcaProvider(setup.db, sensorData);
    await provider.register(MODEL);
    await provider.register(MODEL);
    await provider.execute(MODEL, windowFrame(), window);
    expect(sensorData.reads).to.equal(1);
    const rows = await storedRevisions(setup.db);
    expect(rows).to.have.length(1);
    expect(rows[0]!.revision).to.equal('r1');
    const stored = JSON.parse(rows[0]!.parameters) as { tagNames: string[]; parameters: { nTrain: number; calibration: object } };
    expect(stored).to.include({ format: 'pca/1', skippedRows: 0 });
    expect(stored.tagNames).to.deep.equal(TAGS.map((tag) => tag.name));
    expect(stored.parameters.nTrain).to.equal(2_000 - 2); // 2,000 rows; the first two lack the history of the default 2 lags
    expect(stored.parameters).to.include({ lags: 2, statistic: 'both', limitMethod: 'empirical' });
    expect(stored.parameters.calibration).to.include({ folds: 5, rows: 1_998 });
  });

  it('trains on first execute and lets concurrent first executions share one training', async () => {
    const sensorData = new GeneratedSensorData();
    const provider = pcaProvider(setup.db, sensorData);
    const frame = windowFrame();
    const sets = await Promise.all([1, 2, 3, 4].map(() => provider.execute(MODEL, frame, window)));
    expect(sensorData.reads).to.equal(1);
    expect(sets.every((set) => set.rows.length === 180)).to.equal(true);
  });

  it('stops waiting for a training when the caller aborts, while the training completes for others', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: SensorDataProvider = {
      rangeSpecifier: () => 'slow',
      getData: async (tags, range, resolutionMs) => {
        await gate;
        return plantFrame(tags, range, resolutionMs);
      },
    };
    const provider = pcaProvider(setup.db, slow);
    const controller = new AbortController();
    const abandoned = provider.execute(MODEL, windowFrame(), window, { signal: controller.signal });
    const patient = provider.register(MODEL);
    expect((await provider.status(MODEL)).state).to.equal('training');
    controller.abort(new Error('shutting down'));
    await abandoned.then(
      () => expect.fail('expected an AbortError'),
      (err: unknown) => expect(isAbortError(err), String(err)).to.equal(true),
    );
    release();
    expect(await patient).to.include({ state: 'ready', revision: 'r1' });
  });

  it('keeps the most recently used models in memory and reads one pushed out from the database, without training again', async () => {
    const sensorData = new GeneratedSensorData();
    const provider = pcaProvider(setup.db, sensorData, {}, { maxCachedModels: 1 });
    const other = { ...MODEL, name: `${MODEL.name} 2`, revision: `${MODEL.revision}-2` };
    const first = await provider.execute(MODEL, windowFrame(), window);
    await provider.execute(MODEL, windowFrame(), window);
    await provider.execute(other, windowFrame(), window); // pushes MODEL out of the cache
    const readsAfterTraining = sensorData.reads;
    const loaded: string[] = [];
    const load: ModelRevisionStore['load'] = Reflect.get(ModelRevisionStore.prototype, 'load'); // restored below
    ModelRevisionStore.prototype.load = function (this: ModelRevisionStore, key) {
      loaded.push(key.name);
      return load.call(this, key);
    };
    try {
      const again = await provider.execute(MODEL, windowFrame(), window);
      await provider.execute(MODEL, windowFrame(), window); // cached again
      expect(loaded, 'read from the database once').to.deep.equal([MODEL.name]);
      expect(sensorData.reads, 'no training data read').to.equal(readsAfterTraining);
      expect(again).to.deep.equal(first);
    } finally {
      ModelRevisionStore.prototype.load = load;
    }
    expect((await storedRevisions(setup.db)).length).to.equal(2);
  });

  it('a second provider on the same database uses the stored parameters without reading training data', async () => {
    const frame = windowFrame();
    const first = await pcaProvider(setup.db, new GeneratedSensorData()).execute(MODEL, frame, window);
    const noData = new GeneratedSensorData(() => {
      throw new Error('training data must not be read');
    });
    const second = await pcaProvider(setup.db, noData).execute(MODEL, frame, window);
    expect(second).to.deep.equal(first);
  });

  it('two providers training the same revision at once store one row and predict alike', async () => {
    const [a, b] = [pcaProvider(setup.db, new GeneratedSensorData()), pcaProvider(setup.db, new GeneratedSensorData())];
    await Promise.all([a.register(MODEL), b.register(MODEL)]);
    expect(await storedRevisions(setup.db)).to.have.length(1);
    const frame = windowFrame();
    expect(await b.execute(MODEL, frame, window)).to.deep.equal(await a.execute(MODEL, frame, window));
  });

  // Flow is one of three tags measuring load, so a flow fault is identifiable. (Temperature is the only
  // measure of ambient: a temperature fault and a pressure fault break the same relation and cannot be told apart.)
  it('flags a tag that breaks its correlations and blames that tag, with few false alarms on normal rows', async () => {
    const provider = pcaProvider(setup.db, new GeneratedSensorData());
    const fault: TimeRange = { fromMs: window.fromMs + 60 * RESOLUTION_MS, toMs: window.fromMs + 90 * RESOLUTION_MS };
    const frame = plantFrame(TAGS, window, RESOLUTION_MS, (tag, t, v) => (tag === 0 && t >= fault.fromMs && t < fault.toMs ? v + 3 : v));
    const { rows } = await provider.execute(MODEL, frame, window);
    const inFault = rows.filter((row) => row.timeMs >= fault.fromMs && row.timeMs < fault.toMs);
    const normal = rows.filter((row) => row.timeMs < fault.fromMs || row.timeMs >= fault.toMs);
    expect(
      inFault.every((row) => row.isAnomaly),
      'every fault row flagged',
    ).to.equal(true);
    expect(
      inFault.every((row) => row.contributions.indexOf(Math.max(...row.contributions)) === 0),
      'flow blamed',
    ).to.equal(true);
    expect(normal.filter((row) => row.isAnomaly).length, 'false alarms').to.be.at.most(normal.length * 0.05);
  });

  it('skips rows with a missing value and predicts the others', async () => {
    const provider = pcaProvider(setup.db, new GeneratedSensorData());
    const gaps = (tag: number, t: number, v: number) => (tag === 1 && ((t - window.fromMs) / RESOLUTION_MS) % 4 === 0 ? Number.NaN : v);
    const { rows } = await provider.execute(MODEL, plantFrame(TAGS, window, RESOLUTION_MS, gaps), window);
    expect(rows).to.have.length(135);
    expect(rows.some((row) => ((row.timeMs - window.fromMs) / RESOLUTION_MS) % 4 === 0)).to.equal(false);
  });

  it('with low_coverage: skip, throws InsufficientDataError naming the counts when too few rows of the window are complete', async () => {
    const provider = pcaProvider(setup.db, new GeneratedSensorData(), { min_window_coverage: 0.5, low_coverage: 'skip' });
    const sparse = (tag: number, t: number, v: number) => (tag === 0 && ((t - window.fromMs) / RESOLUTION_MS) % 5 !== 0 ? Number.NaN : v);
    const attempt = provider.execute(MODEL, plantFrame(TAGS, window, RESOLUTION_MS, sparse), window);
    await expectRejected(attempt, InsufficientDataError, /36 of 180 rows .* at least 90 needed/);
  });

  it('by default scores a window with too few complete rows, flagging its rows and counting it as low coverage', async () => {
    const provider = pcaProvider(setup.db, new GeneratedSensorData(), { min_window_coverage: 0.5 });
    const sparse = (tag: number, t: number, v: number) => (tag === 0 && ((t - window.fromMs) / RESOLUTION_MS) % 5 !== 0 ? Number.NaN : v);
    const low = await provider.execute(MODEL, plantFrame(TAGS, window, RESOLUTION_MS, sparse), window);
    expect(low.rows).to.have.length(36);
    expect(low.rows.every((row) => row.details!['low_coverage'] === 1)).to.equal(true);
    expect(low.counts).to.include({ low_coverage_windows: 1, incomplete_rows: 144 });
    const full = await provider.execute(MODEL, windowFrame(), window);
    expect(full.rows).to.have.length(180);
    expect(full.rows.some((row) => row.details!['low_coverage'] !== undefined)).to.equal(false);
    expect(full.counts).not.to.have.property('low_coverage_windows');
  });

  it('throws InsufficientDataError when the training range has too few complete rows, and status() says why', async () => {
    const provider = pcaProvider(
      setup.db,
      new GeneratedSensorData((tag, t, v) => (tag === 3 && t >= TRAINING.fromMs + 40 * RESOLUTION_MS ? Number.NaN : v)),
    );
    await expectRejected(
      provider.register(MODEL),
      InsufficientDataError,
      /40 complete training rows .*1960 more with missing values.*at least 50/,
    );
    const status = await provider.status(MODEL);
    expect(status.state).to.equal('failed');
    expect(status.reason).to.match(/40 complete training rows/);
    expect(await storedRevisions(setup.db)).to.have.length(0);
  });

  describe('a revision whose training range has too little data', () => {
    const START = Date.UTC(2026, 1, 1);
    let now: number;
    let gappy: boolean;
    let sensorData: GeneratedSensorData;
    let provider: PcaModelExecutionProvider;
    const frame = () => windowFrame();
    beforeEach(() => {
      now = START;
      gappy = true;
      sensorData = new GeneratedSensorData((tag, t, v) =>
        gappy && tag === 3 && t >= TRAINING.fromMs + 40 * RESOLUTION_MS ? Number.NaN : v,
      );
      provider = pcaProvider(setup.db, sensorData, {}, { clock: () => now, untrainableRetryMs: 60_000 });
    });

    it('fails later tasks fast with the cached error, without reading the training range, until the retry time', async () => {
      await expectRejected(provider.execute(MODEL, frame(), window), InsufficientDataError, /40 complete training rows/);
      now = START + 59_999;
      const cached = await expectRejected(provider.execute(MODEL, frame(), window), InsufficientDataError, /40 complete training rows/);
      expect(cached.message).to.match(/at least 50 needed \(cached; retried after 2026-02-01T00:01:00\.000Z\)$/);
      await expectRejected(provider.execute(MODEL, frame(), window), InsufficientDataError, /\(cached; /);
      expect(sensorData.reads).to.equal(1);
      expect(await provider.status(MODEL)).to.include({ state: 'failed' });
    });

    it('trains again on the first task after the retry time, and serves it once the data is there', async () => {
      await expectRejected(provider.execute(MODEL, frame(), window), InsufficientDataError, /40 complete training rows/);
      gappy = false;
      now = START + 60_000;
      expect((await provider.execute(MODEL, frame(), window)).rows).to.have.length(180);
      expect(sensorData.reads).to.equal(2);
      expect(await provider.status(MODEL)).to.include({ state: 'ready' });
    });

    it('caches a failure again when the retry still finds too little data', async () => {
      await expectRejected(provider.execute(MODEL, frame(), window), InsufficientDataError, /40 complete training rows/);
      now = START + 60_000;
      const retried = await expectRejected(provider.execute(MODEL, frame(), window), InsufficientDataError, /40 complete training rows/);
      expect(retried.message).not.to.contain('cached');
      now = START + 61_000;
      await expectRejected(provider.execute(MODEL, frame(), window), InsufficientDataError, /retried after 2026-02-01T00:02:00\.000Z/);
      expect(sensorData.reads).to.equal(2);
    });

    it('register() and unregister() do not wait for the retry time', async () => {
      await expectRejected(provider.execute(MODEL, frame(), window), InsufficientDataError, /40 complete training rows/);
      gappy = false;
      expect(await provider.register(MODEL)).to.include({ state: 'ready' });
      expect(sensorData.reads).to.equal(2);

      const other = { ...MODEL, revision: 'r2' };
      gappy = true;
      await expectRejected(provider.execute(other, frame(), window), InsufficientDataError, /40 complete training rows/);
      await provider.unregister(MODEL);
      gappy = false;
      expect((await provider.execute(other, frame(), window)).rows).to.have.length(180);
      expect(sensorData.reads).to.equal(4);
    });
  });

  it('uses complete rows before the window as smoothing history', async () => {
    const frame = plantFrame(TAGS, { fromMs: window.fromMs - 2 * RESOLUTION_MS, toMs: window.toMs }, RESOLUTION_MS);
    const raw = await pcaProvider(setup.db, new GeneratedSensorData()).execute(MODEL, frame, frame.range);
    const smoothed = await pcaProvider(setup.db, new GeneratedSensorData(), { smoothing_window: 3 }).execute(MODEL, frame, window);
    const meanOfFirstThree = raw.rows.slice(0, 3).reduce((sum, row) => sum + row.details!['q']!, 0) / 3;
    expect(smoothed.rows[0]!.timeMs).to.equal(window.fromMs);
    expect(smoothed.rows[0]!.details!['q_smoothed']).to.be.closeTo(meanOfFirstThree, 1e-12);
  });

  it('unregister() deletes the stored revisions, so the next use trains again', async () => {
    const sensorData = new GeneratedSensorData();
    const provider = pcaProvider(setup.db, sensorData);
    await provider.register(MODEL);
    await provider.register({ ...MODEL, revision: 'r2' });
    await provider.unregister(MODEL);
    expect(await storedRevisions(setup.db)).to.have.length(0);
    expect((await provider.status(MODEL)).state).to.equal('not_registered');
    await provider.register(MODEL);
    expect(sensorData.reads).to.equal(3);
  });

  it('status() without a revision reports the latest trained one', async () => {
    const provider = pcaProvider(setup.db, new GeneratedSensorData());
    await provider.register(MODEL);
    expect(await provider.status({ project: MODEL.project, name: MODEL.name })).to.include({ state: 'ready', revision: 'r1' });
  });

  it('refuses a description whose input tags differ from those its revision was trained on', async () => {
    const provider = pcaProvider(setup.db, new GeneratedSensorData());
    await provider.register(MODEL);
    const changed = { ...MODEL, inputTags: TAGS.slice(0, 3), targetTags: TAGS.slice(0, 3) };
    await expectRejected(provider.execute(changed, windowFrame(), window), InvalidDataError, /new revision/);
  });

  it('reports outputs and contributions only for target tags, which must be inputs', async () => {
    const provider = pcaProvider(setup.db, new GeneratedSensorData());
    const targeted = { ...MODEL, targetTags: [TAGS[2]!, TAGS[0]!] };
    const set = await provider.execute(targeted, windowFrame(), window);
    expect(set.tagNames).to.deep.equal([TAGS[2]!.name, TAGS[0]!.name]);
    expect(set.rows[0]!.outputs[0]).to.be.closeTo(plantValue(2, window.fromMs), 1.5);
    const foreign = { ...MODEL, targetTags: [{ name: 'elsewhere', asset: 'x' }] };
    await expectRejected(provider.execute(foreign, windowFrame(), window), InvalidDataError, /not an input tag/);
  });

  it('turns a database locked by another process into a retryable ProviderError', async () => {
    const impatient = await tempDatabase(20, setup.dir);
    const holder = setup.db.dataSource.createQueryRunner();
    await holder.query('BEGIN IMMEDIATE');
    try {
      const attempt = pcaProvider(impatient.db, new GeneratedSensorData()).register(MODEL);
      const err = await expectRejected(attempt, ProviderError, /SQLITE_BUSY/);
      expect((err as ProviderError).retryable).to.equal(true);
    } finally {
      await holder.query('ROLLBACK');
      await holder.release();
      await impatient.db.close();
    }
  });
});

async function expectRejected(promise: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    expect((err as Error).message).to.match(message);
    return err as Error;
  }
  return expect.fail(`expected ${type.name}, but the call succeeded`);
}
