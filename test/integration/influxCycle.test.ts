import { expect } from 'chai';
import { buildContainer, ExecutorToken, SchedulerToken } from '../../src/composition/container.js';
import { providerCatalog } from '../../src/composition/registry.js';
import { parseAppConfig } from '../../src/config/loadConfig.js';
import type { AppConfig } from '../../src/config/AppConfig.js';
import type { Executor } from '../../src/executor/Executor.js';
import type { Scheduler } from '../../src/scheduler/Scheduler.js';
import { Database } from '../../src/persistence/dataSource.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { EmbeddedModelRegistry } from '../../providers/embedded/EmbeddedModelRegistry.js';
import { demoModelName, demoSeries, generateDemoPlant, type DemoPlant } from '../../src/demo/index.js';
import type { InfluxSensorConfig } from '../../providers/influx/config.js';
import { toStoredName } from '../../providers/influx/names.js';
import { Influxd, uniqueDatabaseName } from '../servers/influxd.js';
import { ApiProcess, apiSection, OpenApiChecker } from './helpers/api.js';
import { sensorLines } from './helpers/influx.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const INTERVAL_MS = 10 * 60_000;
const OUTPUTS_PER_ROW = (tags: number) => 2 * tags + 3 + 4; // output and contribution per tag; total, threshold, flag; t2, t2_limit, q, q_limit

/**
 * The demo plant in a real influxd: its sensor history is written into InfluxDB, the models into the
 * embedded registry; a scheduler and an executor run in this process with sensor_data, sensor_information
 * and prediction_storage of `type: influx` (v1 API), the embedded model and queue. Predictions are read
 * back from InfluxDB.
 */
describe('influx: a prediction cycle of the demo plant reading from and writing to a real influxd', function () {
  this.timeout(180_000);
  let server: Influxd;
  let workspace: Workspace;
  let database: string;
  let config: AppConfig;
  let sections: Record<string, unknown>;
  let plant: DemoPlant;
  let reader: DatabaseReader;
  let container: ReturnType<typeof buildContainer>;
  let executor: Executor;
  let scheduler: Scheduler;
  const predicted = () => ({ fromMs: plant.history.toMs - 6 * INTERVAL_MS, toMs: plant.history.toMs });

  before(async function () {
    this.timeout(180_000);
    server = await Influxd.launch();
    database = uniqueDatabaseName('cycle');
    await server.createDatabase(database);
    workspace = new Workspace('influx-cycle');
    const influx = { type: 'influx', url: server.url, api: 'v1', database, retry: { maximum_attempts: 2, initial_interval: 20 } };
    sections = {
      ...workspace.testConfig({
        // Long enough for the outage below: every attempt fails fast (connection refused) and comes back 100 ms later.
        task_queue: { retry: { maximum_attempts: 200, initial_interval: 100, maximum_interval: 300 } },
        executor: { concurrency: 4, task_timeout: '2s', retry: { initial_interval: 20, maximum_attempts: 2 } },
      }),
      demo: {
        assets: 2,
        tags_per_asset: 6,
        resolution: '10s',
        history: '4h',
        training: '2h',
        faults_per_asset: 1,
        seed: 3,
        project: 'demo',
      },
      sensor_data: influx,
      sensor_information: influx,
      prediction_storage: influx,
    };
    config = await parseAppConfig(sections, providerCatalog);

    // The plant ends on a tick of the schedule, so the last windows are whole.
    plant = generateDemoPlant(config.demo, Math.floor(Date.UTC(2026, 0, 2) / INTERVAL_MS) * INTERVAL_MS);
    const layout = (config.providers.sensor_data.config as InfluxSensorConfig).sensors;
    for (const series of demoSeries(plant)) {
      const points = series.asset.tags.flatMap((tag, i) =>
        Array.from(series.timesMs, (t, j) => ({ tag: tag.name, timeMs: t, value: series.columns[i]![j]! })),
      );
      const lines = sensorLines(layout, series.asset.tags, points);
      for (let start = 0; start < lines.length; start += 20_000) await server.write(database, lines.slice(start, start + 20_000));
    }
    container = buildContainer(config, 'admin', silentLogger, { processName: 'influx-cycle' });
    const db = await container.getAsync<Database>(Database);
    await new EmbeddedModelRegistry(db, { models: [] }, silentLogger).saveModels(
      plant.assets.map((asset) => ({
        project: 'demo',
        name: demoModelName(asset.name),
        inputTags: asset.tags.map((t) => t.name),
        resolutionMs: plant.resolutionMs,
        trainingRange: plant.training,
      })),
    );
    scheduler = await container.getAsync<Scheduler>(SchedulerToken);
    executor = await container.getAsync<Executor>(ExecutorToken);
    reader = new DatabaseReader(workspace.databasePath);
  });

  after(async () => {
    reader?.close();
    await (await container?.getAsync<Database>(Database))?.close();
    workspace?.remove();
    await server?.remove();
  });

  /** Runs the executor until every window is finished, then stops it. */
  async function runExecutor(during?: () => Promise<void>): Promise<void> {
    const controller = new AbortController();
    const running = executor.run(controller.signal);
    try {
      await during?.();
      await waitFor(
        () => reader.count(`SELECT COUNT(*) FROM prediction_window WHERE state NOT IN ('succeeded', 'insufficient_data', 'dead')`) === 0,
        {
          timeoutMs: 60_000,
          describe: () => `every window to finish: ${JSON.stringify(reader.windowStates())}`,
        },
      );
    } finally {
      controller.abort();
      await running;
    }
  }

  /** Stored timestamps of the total-anomaly series of each model, and the number of points per timestamp. */
  async function storedPredictions(range: { fromMs: number; toMs: number }) {
    const answer = await server.query(
      // The tag-index points (the order of a model's tag names, README "Predictions") are not values of a row.
      `SELECT count("value") FROM "prediction" WHERE "output" != 'tag-index' AND time >= ${range.fromMs}ms AND time < ${range.toMs}ms ` +
        `GROUP BY time(${plant.resolutionMs}ms), "model" fill(none)`,
      database,
    );
    return new Map(
      (answer.results?.[0]?.series ?? []).map((s) => [
        s.tags!.model!,
        (s.values ?? []).map(([t, n]) => [t as number, n as number] as const),
      ]),
    );
  }

  function expectEveryRowOnce(stored: Awaited<ReturnType<typeof storedPredictions>>, range: { fromMs: number; toMs: number }) {
    const grid = Array.from({ length: (range.toMs - range.fromMs) / plant.resolutionMs }, (_, i) => range.fromMs + i * plant.resolutionMs);
    expect([...stored.keys()].sort()).to.deep.equal(plant.assets.map((a) => toStoredName(demoModelName(a.name))).sort());
    for (const asset of plant.assets) {
      const rows = stored.get(demoModelName(asset.name))!;
      expect(
        rows.map(([t]) => t),
        asset.name,
      ).to.deep.equal(grid);
      expect(new Set(rows.map(([, n]) => n)), `points per row of ${asset.name}`).to.deep.equal(
        new Set([OUTPUTS_PER_ROW(asset.tags.length)]),
      );
    }
  }

  it('predicts every window from InfluxDB data and writes every prediction back to InfluxDB', async () => {
    const range = { fromMs: predicted().fromMs, toMs: predicted().fromMs + 3 * INTERVAL_MS };
    const summary = await scheduler.backfill({ fromMs: range.fromMs, toMs: range.toMs });
    expect(summary.queued).to.equal(3 * plant.assets.length);
    await runExecutor();
    expect(reader.windowStates()).to.deep.equal({ succeeded: 3 * plant.assets.length });
    expectEveryRowOnce(await storedPredictions(range), range);
    // The flag is stored as 1 or 0 (a float field, like every value), the score as a finite number.
    const flags = await server.query(
      `SELECT "value" FROM "prediction" WHERE "output" = 'is-anomaly' AND time >= ${range.fromMs}ms`,
      database,
    );
    expect(new Set(flags.results?.[0]?.series?.[0]?.values?.map(([, v]) => v))).to.satisfy((values: Set<unknown>) =>
      [...values].every((v) => v === 0 || v === 1),
    );
  });

  it('serves the predictions stored in InfluxDB over GET /api/v1/models/{project}/{model}/predictions (a real latigo api)', async () => {
    const configPath = workspace.writeConfig({ ...sections, api: apiSection() }, 'api.yaml');
    const api = await ApiProcess.start(configPath, workspace.dir);
    try {
      const openapi = new OpenApiChecker((await api.request('GET', '/api/openapi.json', { as: null })).body);
      const asset = plant.assets[0]!;
      const model = demoModelName(asset.name);
      const from = predicted().fromMs;
      const to = from + 40 * plant.resolutionMs;
      const path = `/api/v1/models/demo/${encodeURIComponent(model)}/predictions?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&limit=50`;
      const page = await api.request('GET', path);
      openapi.check('GET', path, page);
      expect(page.status, JSON.stringify(page.body)).to.equal(200);
      // Checked against the OpenAPI schema above.
      const body = page.body as { tags: string[]; items: { time: string; totalAnomaly: number; outputs: Record<string, number> }[] };
      // The tags in the model's order, one item per stored row, each score as InfluxDB holds it.
      expect(body.tags).to.deep.equal(asset.tags.map((t) => t.name));
      const scores = await server.query(
        `SELECT "value" FROM "prediction" WHERE "model" = '${toStoredName(model)}' AND "output" = 'total-anomaly' ` +
          `AND time >= ${from}ms AND time < ${to}ms`,
        database,
      );
      const stored = (scores.results?.[0]?.series?.[0]?.values ?? []).map(([t, v]) => ({ time: new Date(t as number).toISOString(), v }));
      expect(stored).to.have.length(40);
      expect(body.items.map((item) => ({ time: item.time, v: item.totalAnomaly }))).to.deep.equal(stored);
      expect(Object.keys(body.items[0]!.outputs)).to.deep.equal(body.tags);
      const unknown = await api.request('GET', path.replace(encodeURIComponent(model), 'no-such-model'));
      expect(unknown.status).to.equal(404);
    } finally {
      api.stop();
    }
  });

  it('retries the tasks of a cycle while influxd is stopped and completes them once it is back, losing nothing', async () => {
    const range = { fromMs: predicted().fromMs + 3 * INTERVAL_MS, toMs: predicted().toMs };
    const runsBefore = reader.count('SELECT COUNT(*) FROM task_run');
    await server.stop();
    const summary = await scheduler.backfill({ fromMs: range.fromMs, toMs: range.toMs });
    expect(summary.queued).to.equal(3 * plant.assets.length);
    await runExecutor(async () => {
      // The executor is working on the cycle while the server is down: attempts fail as transient errors.
      await waitFor(
        () =>
          reader.count(`SELECT COUNT(*) FROM task_run WHERE id > ? AND error_class = 'transient'`, runsBefore) >= 2 * plant.assets.length,
        {
          timeoutMs: 30_000,
          describe: () =>
            `failed attempts while influxd is down: ${JSON.stringify(reader.all('SELECT status, error_class, error_message FROM task_run ORDER BY id DESC LIMIT 3'))}`,
        },
      );
      expect(reader.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'`)).to.equal(3 * plant.assets.length);
      await server.start();
    });
    expect(reader.windowStates()).to.deep.equal({ succeeded: 6 * plant.assets.length });
    const message = reader.all<{ error_message: string }>(
      `SELECT error_message FROM task_run WHERE id > ? AND error_class = 'transient' LIMIT 1`,
      runsBefore,
    )[0]!.error_message;
    expect(message).to.match(/cannot reach InfluxDB/);
    expectEveryRowOnce(await storedPredictions(predicted()), predicted());
  });
});
