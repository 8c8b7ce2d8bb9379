import { expect } from 'chai';
import { outputSeriesName } from '../../src/domain/index.js';
import { DataApiServer } from '../servers/dataApiServer.js';
import { OAuthTokenServer } from '../servers/oauthTokenServer.js';
import { gordoResource, TilstandomaticServer } from '../servers/tilstandomaticServer.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const TENANT = '3aa4a235-b6e2-48d5-9195-7fcf05b459b0';
const SCOPE = '141369bd-3dca-4b55-825b-56ad4a69b1fc/.default';
const SECRET = 'cycle-secret-value';
const RES = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const TRAIN_TO = T0 + 6 * 3_600_000;
const PREDICT_TO = TRAIN_TO + 3_600_000; // two 30-minute windows
const MODELS = 4;
const TAGS = 3;

const tagName = (m: number, j: number) => `1903.M${m}-PT${j}.MA_Y`;
const modelName = (m: number) => `compressor-${m}`;

/** Deterministic, correlated sensor values with noise, so the PCA model has structure to learn. */
function seedSensors(server: DataApiServer): void {
  let state = 42;
  const noise = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2;
  for (let m = 0; m < MODELS; m++) {
    for (let j = 0; j < TAGS; j++) {
      const id = server.addSeries({ name: tagName(m, j), facility: '1903', unit: 'bar' });
      const points = [];
      for (let t = T0; t < PREDICT_TO; t += RES) {
        const base = Math.sin((t - T0) / 1_800_000 + m);
        points.push({ time: new Date(t).toISOString(), value: 10 * (j + 1) + (j + 1) * base + noise(), status: 192 });
      }
      // A bad-quality spike between the good points: the status filter must keep it out.
      points.push({ time: new Date(TRAIN_TO + 90_000 + 500).toISOString(), value: 1e9, status: 0 });
      server.addPoints(id, points);
    }
  }
}

function machines(): unknown[] {
  const good = Array.from({ length: MODELS }, (_, m) => ({
    name: modelName(m),
    dataset:
      `tag_list: ${JSON.stringify(Array.from({ length: TAGS }, (_, j) => tagName(m, j)))}\n` +
      'resolution: 1T\n' +
      `train_start_date: "${new Date(T0).toISOString().replace('Z', '+00:00')}"\n` +
      `train_end_date: "${new Date(TRAIN_TO).toISOString().replace('Z', '+00:00')}"\n`,
  }));
  // Broken: training ends before it starts. It must be reported and skipped, never fatal for the others.
  const broken = {
    name: 'broken-machine',
    dataset: { tag_list: ['1903.X'], train_start_date: '2026-01-02T00:00:00+00:00', train_end_date: '2026-01-01T00:00:00+00:00' },
  };
  return [...good.slice(0, 2), broken, ...good.slice(2)];
}

/**
 * A full cycle through the `latigo` command: models from a Tilstandomatic catalogue over HTTP, sensor data
 * read from and predictions written to the loopback Data API, the embedded PCA model, every service
 * behind Azure AD tokens from the loopback token endpoint; with a page that fails once, a 429 storm with
 * Retry-After and every token expiring mid-cycle.
 */
describe('data_api + tilstandomatic: a prediction cycle against loopback services (protocol)', function () {
  this.timeout(180_000);
  let oauth: OAuthTokenServer;
  let dataApi: DataApiServer;
  let catalogue: TilstandomaticServer;
  let workspace: Workspace;
  let reader: DatabaseReader;
  let config: string;
  let backfillStderr = '';
  const started: CliProcess[] = [];
  let writes = 0;

  before(async function () {
    this.timeout(180_000);
    oauth = await OAuthTokenServer.start({ tenantId: TENANT, clients: [{ clientId: 'latigo-app', clientSecret: SECRET }] });
    dataApi = await DataApiServer.start({
      pagePoints: 100,
      authorize: (token) => oauth.isValid(token),
      onRequest: (request) => {
        if (request === 'POST /data' && ++writes === 3) oauth.expireAll();
      },
    });
    catalogue = await TilstandomaticServer.start({ authorize: (token) => oauth.isValid(token) });
    catalogue.setResources([gordoResource('plant-a', machines())]);
    seedSensors(dataApi);
    dataApi.failNext(1, 503, { match: /^POST \/query\/data$/ });
    dataApi.failNext(6, 429, { retryAfterSeconds: 1, match: /^POST \/data$/ });

    const credential = {
      kind: 'client_secret',
      tenant_id: TENANT,
      client_id: 'latigo-app',
      client_secret: '${LATIGO_TEST_AAD_SECRET}',
      scope: SCOPE,
      authority_host: oauth.authorityHost,
      ca_file: oauth.caFile,
      instance_discovery: false,
    };
    const dataApiSection = {
      type: 'data_api',
      base_url: dataApi.baseUrl,
      credential,
      facility: { rules: [{ prefix: '1903.', facility: '1903' }] },
      retry: { initial_interval: 50, maximum_interval: 2_000 },
    };
    workspace = new Workspace('data-api-cycle');
    config = workspace.writeConfig(
      workspace.testConfig({
        scheduler: { interval: '30m' },
        executor: { concurrency: 4, task_timeout: '20s', retry: { initial_interval: 50, maximum_attempts: 3 } },
        task_queue: { visibility_timeout: '30s' },
        model_info: { type: 'tilstandomatic', url: catalogue.url, credential, asset_rules: [{ prefix: '1903.', asset: '1903' }] },
        sensor_data: dataApiSection,
        prediction_storage: dataApiSection,
        predictor: { type: 'embedded' },
      }),
    );
    // Secrets come from the environment (${...} interpolation); CliOptions.env is not filtered.
    const env = { LATIGO_TEST_AAD_SECRET: SECRET };
    const backfill = await runCli(
      ['--config', config, 'backfill', '--from', new Date(TRAIN_TO).toISOString(), '--to', new Date(PREDICT_TO).toISOString()],
      { cwd: workspace.dir, env, timeoutMs: 60_000 },
    );
    backfillStderr = backfill.stderr;
    expect(backfill.code, backfill.stderr).to.equal(0);
    expect(backfill.stdout).to.contain(`backfill done: ${MODELS * 2} windows of ${MODELS} model(s); ${MODELS * 2} queued`);

    reader = new DatabaseReader(workspace.databasePath);
    const executor = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir, env });
    started.push(executor);
    await waitFor(() => reader.windowStates().succeeded === MODELS * 2, {
      timeoutMs: 90_000,
      describe: () =>
        `every window to succeed: ${JSON.stringify(reader.windowStates())} ${JSON.stringify(reader.all('SELECT DISTINCT error_message FROM prediction_window'))}\n${executor.stdout.slice(-3000)}\n${executor.stderr.slice(-3000)}`,
    });
    executor.child.kill('SIGTERM');
    const exit = await executor.untilExit(20_000);
    expect(exit.code, exit.stderr).to.equal(0);
  });

  after(async () => {
    started.splice(0).forEach((p) => p.kill());
    reader?.close();
    workspace?.remove();
    await Promise.all([oauth?.close(), dataApi?.close(), catalogue?.close()]);
  });

  it('reports the broken machine by name and schedules the others', () => {
    expect(backfillStderr).to.contain('Gordo machine skipped').and.contain('broken-machine').and.contain('train_end_date');
    const models = reader.all<{ model: string }>('SELECT DISTINCT model FROM prediction_window ORDER BY model').map((r) => r.model);
    expect(models).to.deep.equal(Array.from({ length: MODELS }, (_, m) => modelName(m)));
  });

  it('stores every window once: one succeeded run each', () => {
    expect(reader.windowStates()).to.deep.equal({ succeeded: MODELS * 2 });
    const runs = reader.all<{ task_id: string; n: number }>(
      `SELECT task_id, COUNT(*) AS n FROM task_run WHERE status = 'succeeded' GROUP BY task_id`,
    );
    expect(runs).to.have.length(MODELS * 2);
    expect(
      runs.every((r) => r.n === 1),
      JSON.stringify(runs),
    ).to.equal(true);
  });

  it('writes every prediction timestamp of both windows to the output series, with status 192', () => {
    const grid: string[] = [];
    for (let t = TRAIN_TO; t < PREDICT_TO; t += RES) grid.push(new Date(t).toISOString().replace('Z', '0000Z'));
    for (let m = 0; m < MODELS; m++) {
      for (let j = 0; j < TAGS; j++) {
        const name = outputSeriesName('{tag}|{model}|{operation}', {
          tag: tagName(m, j),
          model: modelName(m),
          operation: 'model-output',
          project: 'plant-a',
          revision: '',
        });
        const [series, ...others] = dataApi.findSeries(name, '1903');
        expect(others, name).to.deep.equal([]);
        const points = dataApi.pointsOf(series!.id);
        expect(
          points.map((p) => p.time.replace(/\.(\d{3})Z$/, '.$10000Z')),
          name,
        ).to.deep.equal(grid);
        expect(
          points.every((p) => p.status === 192 && Number.isFinite(p.value) && p.value < 1e6),
          name,
        ).to.equal(true);
      }
      const total = dataApi.findSeries(`1903.INDICATOR|${modelName(m)}|total-anomaly`, '1903');
      expect(total).to.have.length(1);
      expect(dataApi.pointsOf(total[0]!.id)).to.have.length(grid.length);
    }
  });

  it('creates each output series once and reuses it for the next window', () => {
    const perModel = TAGS * 2 + 3;
    expect(dataApi.created).to.equal(MODELS * perModel);
    const outputs = dataApi.allSeries().filter((s) => s.name.includes('|'));
    expect(new Set(outputs.map((s) => `${s.facility}/${s.name}`)).size).to.equal(MODELS * perModel);
  });

  it('recovered from the failed page, the 429 storm and the expired tokens', () => {
    const statuses = dataApi.requests.map((r) => `${r.method} ${r.path.replace(/^.*v1\.7/, '')} ${r.status}`);
    expect(statuses).to.include('POST /query/data 503');
    expect(statuses.filter((s) => s === 'POST /data 429')).to.have.length(6);
    expect(statuses.filter((s) => s.endsWith(' 401')).length, 'requests refused after the tokens expired').to.be.greaterThan(0);
    // The scheduler (backfill) and the executor each got a token, and the executor a new one after the expiry.
    expect(oauth.issued.length).to.be.at.least(3);
  });
});
