import { expect } from 'chai';
import { EmbeddedSensorStore } from '../../providers/embedded/EmbeddedSensorStore.js';
import type { SensorWriter } from '../../src/contracts/SensorWriter.js';
import { SensorWatermarks } from '../../src/ingest/SensorWatermarks.js';
import { WatermarkingSensorWriter } from '../../src/ingest/WatermarkingSensorWriter.js';
import type { Database } from '../../src/persistence/Database.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { binUpperEdge, scoreBin } from '../../src/summary/windowStats.js';
import { PLANT_TAGS, plantPoints, type PlantRows } from '../fixtures/correlatedPlant.js';
import { apiSection, ApiProcess, tokenEnv } from './helpers/api.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { openWorkspaceDatabase } from './helpers/fleet.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

interface Problem {
  field: string;
}
interface Saved {
  revision: string;
  changed: boolean;
  trainingRange: { from: string; to: string };
  training?: string;
}
interface Detail {
  revision: string;
  trained: boolean;
  training?: { revision: string; state: string; reason?: string; startedAt?: string; finishedAt?: string; elapsedSeconds?: number };
}
interface Summary {
  rows: number;
  windowsByOutcome: Record<string, number>;
  anomalyRate: number;
  coverage: number;
  scoreQuantiles: { p50: number; p99: number };
  tags: { tag: string; contributionShare: number }[];
}
interface Scores {
  precision: number | null;
  recall: number | null;
  f1: number | null;
}
interface Evaluation {
  rows: number;
  events: { total: number };
  pointwise: Scores;
  backtest: { best: Scores & { threshold: number } };
}

/** Row 0 of the plant, on the minute grid (windows are 60 s). */
const START_MS = Date.UTC(2026, 0, 5, 8, 0, 0);
const spec: PlantRows = { startMs: START_MS, fault: { from: 700, to: 760 } };
const iso = (row: number) => new Date(START_MS + row * 1000).toISOString();

/**
 * Issue 16 end to end through the processes a deployment runs (`latigo api`, `scheduler`, `executor`): a model
 * defined over the API, trained on "the first 400 rows", is run by its data trigger as points arrive (each
 * window once), late points re-run their window, the summary matches a direct computation over the stored
 * predictions, and the threshold backtest's best F1 is what re-running the model at that threshold gives.
 */
describe('data trigger: a model defined over the API runs as its data arrives', function () {
  this.timeout(240_000);
  let workspace: Workspace;
  let config: string;
  let db: Database;
  /** The embedded store behind the same writer ingest and import use, so each write moves the recorded watermarks. */
  let store: SensorWriter;
  let reader: DatabaseReader;
  let api: ApiProcess;
  const processes: CliProcess[] = [];

  const definition = {
    project: 'plant',
    name: 'triggered',
    tags: [...PLANT_TAGS],
    resolution: '1s',
    training: { first_rows: 400 },
    trigger: { type: 'data' },
    interval: '60s',
    parameters: { lags: 0 },
  };
  const windowsOf = (model: string) =>
    reader.all<{ from_ms: number; state: string; attempts: number; origin: string; task_id: string }>(
      'SELECT from_ms, state, attempts, origin, task_id FROM prediction_window WHERE project = ? AND model = ? ORDER BY from_ms',
      'plant',
      model,
    );
  const detail = async (model: string) => (await api.request('GET', `/api/v1/models/plant/${model}`)).body as Detail;
  /** Waits for the API's training of the model's current revision (`revision` when given) to end; answers the model as GET shows it. */
  const trained = async (model: string, revision?: string): Promise<Detail> => {
    let last: Detail | undefined;
    const ended = (d: Detail) =>
      ['ready', 'failed'].includes(d.training?.state ?? '') && (revision === undefined || d.training?.revision === revision);
    await waitFor(async () => ended((last = await detail(model))), {
      timeoutMs: 120_000,
      describe: () => `the training of ${model}: ${JSON.stringify(last)}`,
    });
    return last!;
  };
  const runsOf = (taskId: string) => reader.count('SELECT COUNT(*) FROM task_run WHERE task_id = ?', taskId);
  const logs = () => processes.map((p) => (p.stderr + p.stdout).slice(-1500)).join('\n');
  const write = (from: number, to: number) => store.writePoints(plantPoints(from, to, spec));

  before(async function () {
    workspace = new Workspace('data-trigger');
    config = workspace.writeConfig(
      workspace.testConfig({
        scheduler: { poll_interval: '300ms' },
        executor: { task_timeout: '60s' },
        task_queue: { visibility_timeout: '90s' },
        api: apiSection(),
      }),
    );
    db = await openWorkspaceDatabase(workspace.databasePath);
    store = new WatermarkingSensorWriter(new EmbeddedSensorStore(db, silentLogger), new SensorWatermarks(db, Date.now));
    await write(0, 450);
    reader = new DatabaseReader(workspace.databasePath);
    api = await ApiProcess.start(config, workspace.dir);
  });

  after(async () => {
    processes.splice(0).forEach((p) => p.kill());
    api?.stop();
    reader?.close();
    await db?.close();
    workspace?.remove();
  });

  it('refuses a definition naming the bad field, and a caller below admin', async () => {
    const bad = await api.request('POST', '/api/v1/models', { as: 'admin', body: { ...definition, resolution: '500ms' } });
    expect(bad.status).to.equal(400);
    expect((bad.body as Problem).field).to.equal('body.resolution');
    const badParameter = await api.request('POST', '/api/v1/models', {
      as: 'admin',
      body: { ...definition, parameters: { confidence: 2 } },
    });
    expect((badParameter.body as Problem).field).to.equal('body.parameters.confidence');
    const operator = await api.request('POST', '/api/v1/models', { as: 'operator', body: definition });
    expect(operator.status).to.equal(403);
  });

  it('defines the model with its training range resolved to the first 400 rows', async () => {
    const created = await api.request('POST', '/api/v1/models', { as: 'admin', body: definition });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect((created.body as Saved).trainingRange).to.deep.equal({ from: iso(0), to: iso(400) });
    expect(['pending', 'training', 'ready']).to.include((created.body as Saved).training);
    const again = await api.request('PUT', '/api/v1/models/plant/triggered', { as: 'admin', body: definition });
    expect(again.body).to.include({ revision: (created.body as Saved).revision, changed: false });
    const conflict = await api.request('POST', '/api/v1/models', { as: 'admin', body: definition });
    expect(conflict.status).to.equal(409);
  });

  it('predicts each window once as the points arrive, when every tag has reached its end', async () => {
    processes.push(startCli(['--config', config, 'scheduler'], { cwd: workspace.dir, env: tokenEnv }));
    processes.push(startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir, env: tokenEnv }));
    // Rows 0-449 are there: the windows from the one holding the training end (360 s) through 420-480 s lack row 479.
    await waitFor(() => windowsOf('triggered').filter((w) => w.state === 'succeeded').length === 1, {
      timeoutMs: 90_000,
      describe: () => `the first window: ${JSON.stringify(windowsOf('triggered'))}\n${logs()}`,
    });
    for (let row = 450; row < 900; row += 45) {
      await write(row, row + 45);
      const complete = Math.floor((row + 45) / 60) - 6; // windows [360 + 60k, 420 + 60k) whose last second is written
      await waitFor(() => windowsOf('triggered').filter((w) => w.state === 'succeeded').length === complete, {
        timeoutMs: 60_000,
        describe: () => `${complete} windows after row ${row + 45}: ${JSON.stringify(windowsOf('triggered'))}\n${logs()}`,
      });
    }
    const windows = windowsOf('triggered');
    expect(windows.map((w) => (w.from_ms - START_MS) / 1000)).to.deep.equal([360, 420, 480, 540, 600, 660, 720, 780, 840]);
    // Trained by the API before the scheduler planned a window of it.
    const model = await trained('triggered');
    expect(model).to.include({ trained: true });
    expect(model.training).to.include({ state: 'ready' });
    const firstPlanned = reader.all<{ at: number }>("SELECT MIN(created_at) AS at FROM prediction_window WHERE model = 'triggered'")[0]!.at;
    expect(firstPlanned).to.be.at.least(Date.parse(model.training!.finishedAt!));
    expect(windows.every((w) => w.origin === 'data' && w.attempts === 1 && runsOf(w.task_id) === 1)).to.equal(true);
    expect(reader.count("SELECT COUNT(*) FROM prediction WHERE project = 'plant' AND model = 'triggered'")).to.equal(9 * 60);
  });

  it('re-runs a predicted window when a late point arrives for it, and only that window', async () => {
    const late = START_MS + 500_500; // between rows 500 and 501: a new point of an already predicted window
    await store.writePoints([{ sensor: PLANT_TAGS[0], timesMs: [late], values: [1] }]);
    const target = windowsOf('triggered').find((w) => w.from_ms === START_MS + 480_000)!;
    await waitFor(
      () => runsOf(target.task_id) === 2 && windowsOf('triggered').find((w) => w.task_id === target.task_id)?.state === 'succeeded',
      {
        timeoutMs: 60_000,
        describe: () => `the re-run: ${JSON.stringify(windowsOf('triggered'))}\n${logs()}`,
      },
    );
    const others = windowsOf('triggered').filter((w) => w.task_id !== target.task_id);
    expect(others.map((w) => runsOf(w.task_id))).to.deep.equal(others.map(() => 1));
  });

  it('serves a summary equal to a direct computation over the stored predictions', async () => {
    const response = await api.request('GET', '/api/v1/models/plant/triggered/summary');
    expect(response.status).to.equal(200);
    const summary = { body: response.body as Summary };
    const rows = reader.all<{ time_ms: number; total_anomaly: number; threshold: number; is_anomaly: number; contributions: string }>(
      "SELECT time_ms, total_anomaly, threshold, is_anomaly, contributions FROM prediction WHERE project = 'plant' AND model = 'triggered' ORDER BY time_ms",
    );
    const anomalies = rows.filter((r) => r.is_anomaly);
    let episodes = 0;
    rows.forEach((r, i) => {
      if (r.is_anomaly && !(i > 0 && rows[i - 1]!.is_anomaly && r.time_ms - rows[i - 1]!.time_ms <= 1000)) episodes++;
    });
    const sums = PLANT_TAGS.map((_, j) => rows.reduce((s, r) => s + (JSON.parse(r.contributions) as number[])[j]!, 0));
    const total = sums.reduce((a, b) => a + b, 0);
    const ratios = rows.map((r) => r.total_anomaly / r.threshold).sort((a, b) => a - b);
    const nearestRank = (q: number) => ratios[Math.ceil(q * ratios.length) - 1]!;
    const upperEdge = (v: number) => binUpperEdge(scoreBin(v));

    expect(summary.body).to.include({ rows: rows.length, anomalies: anomalies.length, episodes, windowsStored: 9 });
    expect(summary.body.windowsByOutcome.succeeded).to.equal(9);
    expect(summary.body.anomalyRate).to.be.closeTo(anomalies.length / rows.length, 1e-12);
    expect(summary.body.coverage).to.equal(1);
    expect(summary.body.scoreQuantiles.p50).to.equal(upperEdge(nearestRank(0.5)));
    expect(summary.body.scoreQuantiles.p99).to.equal(upperEdge(nearestRank(0.99)));
    const ranking = PLANT_TAGS.map((tag, j) => ({ tag, share: sums[j]! / total })).sort((a, b) => b.share - a.share);
    expect(summary.body.tags.map((t) => t.tag)).to.deep.equal(ranking.map((t) => t.tag));
    summary.body.tags.forEach((t, i) => expect(t.contributionShare).to.be.closeTo(ranking[i]!.share, 1e-9));
  });

  it("evaluates against labels; re-running the model at the backtest's best threshold gives its F1", async () => {
    const labelled = await api.request('POST', '/api/v1/models/plant/triggered/labels', {
      as: 'operator',
      body: { labels: [{ from: iso(700), to: iso(760), label: 'broken correlation' }] },
    });
    expect(labelled.status, JSON.stringify(labelled.body)).to.equal(201);
    const evaluation = (await api.request('GET', '/api/v1/models/plant/triggered/evaluation')).body as Evaluation;
    expect(evaluation.rows).to.equal(9 * 60);
    expect(evaluation.events.total).to.equal(1);
    const best = evaluation.backtest.best;
    expect(best.f1).to.be.greaterThan(0.5);

    // The same model at the best threshold: same training (so the same fit), its own windows, its own predictions.
    const rerun = await api.request('POST', '/api/v1/models', {
      as: 'admin',
      body: { ...definition, name: 'at-best-threshold', parameters: { lags: 0, threshold: best.threshold } },
    });
    expect(rerun.status, JSON.stringify(rerun.body)).to.equal(201);
    await api.request('POST', '/api/v1/models/plant/at-best-threshold/labels', {
      as: 'operator',
      body: { labels: [{ from: iso(700), to: iso(760) }] },
    });
    await waitFor(() => windowsOf('at-best-threshold').filter((w) => w.state === 'succeeded').length === 9, {
      timeoutMs: 90_000,
      describe: () => `the re-run model: ${JSON.stringify(windowsOf('at-best-threshold'))}\n${logs()}`,
    });
    const again = (await api.request('GET', '/api/v1/models/plant/at-best-threshold/evaluation')).body as Evaluation;
    expect(again.pointwise.f1).to.equal(best.f1);
    expect(again.pointwise.precision).to.equal(best.precision);
    expect(again.pointwise.recall).to.equal(best.recall);
  });

  it('trains a changed definition as a new revision before its windows are planned', async () => {
    const before = await detail('triggered');
    const changed = await api.request('PUT', '/api/v1/models/plant/triggered', {
      as: 'admin',
      body: { ...definition, parameters: { lags: 0, confidence: 0.98 } },
    });
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    const saved = changed.body as Saved;
    expect(saved.changed).to.equal(true);
    expect(saved.revision).to.not.equal(before.revision);
    const model = await trained('triggered', saved.revision);
    expect(model).to.include({ trained: true });
    expect(model.training).to.include({ revision: saved.revision, state: 'ready' });
    await waitFor(
      () => reader.count('SELECT COUNT(*) FROM prediction_window WHERE model = ? AND revision = ?', 'triggered', saved.revision) > 0,
      {
        timeoutMs: 90_000,
        describe: () => `windows of the new revision: ${JSON.stringify(windowsOf('triggered').slice(-3))}\n${logs()}`,
      },
    );
    const firstPlanned = reader.all<{ at: number }>(
      "SELECT MIN(created_at) AS at FROM prediction_window WHERE model = 'triggered' AND revision = ?",
      saved.revision,
    )[0]!.at;
    expect(firstPlanned).to.be.at.least(Date.parse(model.training!.finishedAt!));
  });

  it('reports over the API why a defined model cannot be trained, and plans none of its windows', async () => {
    await store.writePoints([
      { sensor: 'stuck', timesMs: Array.from({ length: 450 }, (_, i) => START_MS + i * 1000), values: new Array<number>(450).fill(3) },
    ]);
    const created = await api.request('POST', '/api/v1/models', {
      as: 'admin',
      body: { project: 'plant', name: 'with-stuck-tag', tags: [PLANT_TAGS[0], 'stuck'], resolution: '1s', training: { first_rows: 400 } },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const model = await trained('with-stuck-tag');
    expect(model.trained).to.equal(false);
    expect(model.training?.state).to.equal('failed');
    expect(model.training?.reason).to.contain('constant tags').and.to.contain('"stuck"');
    expect(reader.count("SELECT COUNT(*) FROM prediction_window WHERE model = 'with-stuck-tag'")).to.equal(0);
  });

  it('names constant tags when `latigo models train` cannot train a model', async () => {
    const train = await runCli(['--config', config, 'models', 'train', '--model', 'plant/with-stuck-tag'], {
      cwd: workspace.dir,
      env: tokenEnv,
      timeoutMs: 120_000,
    });
    expect(train.code).to.equal(1);
    expect(train.stdout).to.contain('constant tags').and.to.contain('"stuck"');
  });
});
