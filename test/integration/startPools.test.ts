import { expect } from 'chai';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

interface ForecastBody {
  tags: string[];
  issuedAt: string;
  points: {
    time: string;
    yhat: Record<string, number | null>;
    lower: Record<string, number | null>;
    upper: Record<string, number | null>;
  }[];
}

/**
 * `latigo start --demo` with executor pools: a `heavy` executor serves only the forecast model while a `fast`
 * one serves the PCA and threshold models; the ledger's task runs tell which executor ran what, and the
 * forecasts are read back over the API's forecast and predictions routes.
 */
describe('latigo start --demo with executor pools (heavy: forecast, fast: the rest)', function () {
  this.timeout(6 * 60_000);
  let workspace: Workspace;
  let start: CliProcess | undefined;

  beforeEach(() => {
    workspace = new Workspace('start-pools');
  });
  afterEach(async () => {
    if (start !== undefined && start.child.exitCode === null) {
      start.child.kill('SIGINT');
      await start.untilExit(60_000).catch(() => start?.kill());
    }
    workspace.remove();
  });

  it('runs forecasts on the heavy executor only and everything else on the fast one; forecasts are readable over the API', async () => {
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'info', format: 'json' },
        // Three days at 60 s: the forecast model (daily season at 5 min, 600 rows fitted) has two days behind
        // its later windows; job_kinds adds it and a threshold model to the PCA models.
        demo: { assets: 2, tags_per_asset: 6, history: '3d', training: '2d', resolution: '60s', faults_per_asset: 1, job_kinds: true },
        task_queue: { visibility_timeout: '90s' },
        executor: { task_timeout: '60s', pools: { fast: ['pca_anomaly', 'threshold', 'forecast_anomaly'], heavy: ['forecast'] } },
      }),
    );
    start = startCli(['--config', config, 'start', '--demo', '--executors', '1', '--status-interval', '300'], { cwd: workspace.dir });
    const running = start;
    const output = () => `${running.stdout.slice(-3000)}\n${running.stderr.slice(-2000)}`;
    let apiUrl = '';
    await waitFor(
      () => {
        if (running.child.exitCode !== null) throw new Error(`latigo start exited (${running.child.exitCode})\n${output()}`);
        apiUrl = /^\[api\] API and docs at (http:\/\/127\.0\.0\.1:\d+)\/api\/docs$/m.exec(running.stdout)?.[1] ?? '';
        return apiUrl !== '';
      },
      { timeoutMs: 180_000, describe: () => `the api to say where it listens\n${output()}` },
    );

    const forecastModel = 'compressor-01-forecast';
    const runsByModel = () => {
      const db = new DatabaseReader(workspace.databasePath);
      try {
        return db.all<{ model: string; executor: string; status: string; n: number }>(
          `SELECT w.model AS model, r.executor AS executor, r.status AS status, COUNT(*) AS n
           FROM task_run r JOIN prediction_window w ON w.task_id = r.task_id GROUP BY w.model, r.executor, r.status`,
        );
      } finally {
        db.close();
      }
    };
    const succeeded = (model: string) => runsByModel().some((r) => r.model === model && r.status === 'succeeded');
    const models = [forecastModel, 'compressor-01-threshold', 'compressor-01-anomaly', 'pump-01-anomaly'];
    await waitFor(() => models.every(succeeded), {
      timeoutMs: 300_000,
      describe: () => `a succeeded run of each of ${models.join(', ')}; so far ${JSON.stringify(runsByModel())}\n${output()}`,
    });

    const runs = runsByModel();
    const executorsOf = (model: string) => [...new Set(runs.filter((r) => r.model === model).map((r) => r.executor))];
    expect(executorsOf(forecastModel), JSON.stringify(runs)).to.deep.equal(['executor-heavy-1']);
    for (const model of models.slice(1)) expect(executorsOf(model), `${model}: ${JSON.stringify(runs)}`).to.deep.equal(['executor-fast-1']);

    const get = async (path: string) => {
      const response = await fetch(`${apiUrl}${path}`);
      return { status: response.status, body: await response.json() };
    };
    const executors = await get('/api/v1/executors');
    expect(JSON.stringify(executors.body)).to.contain('"pool":"heavy"').and.to.contain('"pool":"fast"');

    const forecast = await get(`/api/v1/models/demo/${forecastModel}/forecast`);
    expect(forecast.status, JSON.stringify(forecast.body)).to.equal(200);
    const body = forecast.body as ForecastBody;
    expect(body.points).to.have.length(36); // the demo model's horizon: 3 hours at 5 minutes
    const tag = body.tags[0]!;
    for (const p of body.points) {
      expect(p.yhat[tag]).to.be.a('number');
      expect(p.lower[tag]!).to.be.at.most(p.yhat[tag]!);
      expect(p.upper[tag]!).to.be.at.least(p.yhat[tag]!);
    }
    expect(Date.parse(body.points[0]!.time)).to.equal(Date.parse(body.issuedAt));

    // The windows' rows carry the one-step forecast as the tag's output.
    const issuedAt = Date.parse(body.issuedAt);
    const from = new Date(issuedAt - 3_600_000).toISOString();
    const to = new Date(issuedAt).toISOString();
    const predictions = await get(`/api/v1/models/demo/${forecastModel}/predictions?from=${from}&to=${to}`);
    expect(predictions.status, JSON.stringify(predictions.body)).to.equal(200);
    const items = (predictions.body as { items: { outputs?: Record<string, number | null> | (number | null)[] }[] }).items;
    expect(items.length, JSON.stringify(predictions.body).slice(0, 500)).to.be.greaterThan(0);
    expect(JSON.stringify(items[0]!.outputs)).to.match(/\d/);

    running.child.kill('SIGINT');
    const exit = await running.untilExit(60_000);
    expect(exit.code, output()).to.equal(0);

    // latigo evaluate of the forecast model scores its stored forecasts against the demo's actuals.
    const evaluated = await runCli(['--config', config, 'evaluate', '--model', `demo/${forecastModel}`, '--json'], { cwd: workspace.dir });
    expect(evaluated.code, evaluated.stderr).to.equal(0);
    const e = JSON.parse(evaluated.stdout) as {
      forecasts: number;
      points: number;
      mae: number;
      rmse: number;
      mase: number;
      coverage: number;
    };
    expect(e.forecasts).to.be.at.least(1);
    expect(e.points).to.be.greaterThan(0);
    expect(e.rmse).to.be.at.least(e.mae);
    expect(e.mase).to.be.greaterThan(0);
    expect(e.coverage).to.be.within(0, 1);
  });
});
