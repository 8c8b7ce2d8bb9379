import { expect } from 'chai';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { seedFleet, sendTaskMessages, type Fleet } from './helpers/fleet.js';
import { parsePrometheus, samplesOf, sumOf, type Sample } from './helpers/prometheus.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const MODELS = 10;
const INTERVAL_MS = 10 * 60_000;
const HALF_HOUR = 30 * 60_000;

/** The port an executor logged in its `http endpoint listening` line (it listens on port 0: any free port). */
function listeningPort(stdout: string): number | undefined {
  const line = stdout.split('\n').find((l) => l.includes('"http endpoint listening"'));
  return line === undefined ? undefined : (JSON.parse(line) as { port: number }).port;
}

describe('the executor /metrics, /healthz and /readyz endpoint', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let executor: CliProcess | undefined;
  let reader: DatabaseReader | undefined;

  beforeEach(() => {
    workspace = new Workspace('metrics');
  });
  afterEach(() => {
    executor?.kill();
    reader?.close();
    workspace.remove();
  });

  it('counts tasks and provider calls as a cycle runs, advances per-model freshness, and reports readiness', async () => {
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'info', format: 'json' },
        http: { enabled: true, host: '127.0.0.1', port: 0 },
      }),
    );
    const fleet: Fleet = await seedFleet(workspace.databasePath, { models: MODELS, tagsPerModel: 3 });
    const { fromMs, toMs } = fleet.predictionRange;
    const windowsPerHalfHour = MODELS * (HALF_HOUR / INTERVAL_MS);

    executor = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
    const running = executor;
    await waitFor(() => listeningPort(running.stdout) !== undefined, {
      timeoutMs: 20_000,
      describe: () => `the endpoint to listen\n${running.stdout.slice(-2000)}\n${running.stderr.slice(-2000)}`,
    });
    const base = `http://127.0.0.1:${listeningPort(running.stdout)}`;
    const scrape = async (): Promise<Sample[]> => {
      const response = await fetch(`${base}/metrics`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      return parsePrometheus(await response.text());
    };
    const freshness = (samples: Sample[]) =>
      new Map(
        samplesOf(samples, 'latigo_model_newest_window_end_seconds').map((s) => [`${s.labels.project}/${s.labels.model}`, s.value * 1000]),
      );

    expect((await fetch(`${base}/healthz`)).status).to.equal(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ready', checks: { database: 'ok', queue: 'ok' } });

    const before = await scrape();
    expect(sumOf(before, 'latigo_tasks_total', { outcome: 'succeeded' })).to.equal(0);
    expect(freshness(before).size).to.equal(0);
    expect(sumOf(before, 'process_resident_memory_bytes')).to.be.greaterThan(0);

    // The cycle in two halves, so the metrics can be read in between.
    reader = new DatabaseReader(workspace.databasePath);
    const db = reader;
    const succeeded = () => db.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'`);
    const backfill = async (from: number, to: number) => {
      const result = await runCli(
        ['--config', config, 'backfill', '--from', new Date(from).toISOString(), '--to', new Date(to).toISOString()],
        { cwd: workspace.dir },
      );
      expect(result.code, result.stderr).to.equal(0);
    };
    await backfill(fromMs, fromMs + HALF_HOUR);
    await waitFor(() => succeeded() === windowsPerHalfHour, {
      timeoutMs: 30_000,
      describe: () => `the first half to succeed: ${JSON.stringify(db.windowStates())}`,
    });
    const middle = await scrape();

    await backfill(fromMs + HALF_HOUR, toMs);
    await waitFor(() => succeeded() === 2 * windowsPerHalfHour, {
      timeoutMs: 30_000,
      describe: () => `the second half to succeed: ${JSON.stringify(db.windowStates())}`,
    });
    const after = await scrape();

    // Task counters move with the work done, by outcome.
    expect(sumOf(middle, 'latigo_tasks_total', { outcome: 'succeeded', error_class: 'none' })).to.equal(windowsPerHalfHour);
    expect(sumOf(after, 'latigo_tasks_total', { outcome: 'succeeded', error_class: 'none' })).to.equal(2 * windowsPerHalfHour);
    expect(sumOf(after, 'latigo_task_duration_seconds_count', { outcome: 'succeeded' })).to.equal(2 * windowsPerHalfHour);
    // Every task made one call to each provider, labelled with the configured type.
    for (const [provider, operation] of [
      ['model_info', 'describeModel'],
      ['sensor_data', 'getData'],
      ['predictor', 'execute'],
      ['prediction_storage', 'store'],
    ]) {
      const labels = { provider: provider!, operation: operation!, type: 'embedded', role: 'executor' };
      expect(sumOf(middle, 'latigo_provider_call_duration_seconds_count', labels), `${provider} calls`).to.equal(windowsPerHalfHour);
      expect(sumOf(after, 'latigo_provider_call_duration_seconds_count', labels), `${provider} calls`).to.equal(2 * windowsPerHalfHour);
    }
    expect(sumOf(after, 'latigo_provider_errors_total')).to.equal(0);

    // Freshness: each model's newest stored window end, advancing from the first half to the whole range.
    const modelNames = fleet.models.map((m) => `${m.project}/${m.name}`).sort();
    expect([...freshness(middle).keys()].sort()).to.deep.equal(modelNames);
    for (const [model, endMs] of freshness(middle)) expect(endMs, model).to.equal(fromMs + HALF_HOUR);
    for (const [model, endMs] of freshness(after)) expect(endMs, model).to.equal(toMs);

    // Nothing waits in the queue any more.
    expect(sumOf(after, 'latigo_queue_messages', { state: 'ready' })).to.equal(0);
    expect(sumOf(after, 'latigo_queue_lag_seconds')).to.equal(0);

    running.child.kill('SIGTERM');
    const exit = await running.untilExit(20_000);
    expect(exit.code, exit.stderr).to.equal(0);
  });

  it('reports not ready, naming the failing check, when the queue table is gone', async () => {
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'info', format: 'json' },
        http: { enabled: true, host: '127.0.0.1', port: 0 },
      }),
    );
    executor = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
    const running = executor;
    await waitFor(() => listeningPort(running.stdout) !== undefined, {
      timeoutMs: 20_000,
      describe: () => running.stdout + running.stderr,
    });
    const base = `http://127.0.0.1:${listeningPort(running.stdout)}`;
    expect((await fetch(`${base}/readyz`)).status).to.equal(200);
    expect((await fetch(`${base}/nothing-here`)).status).to.equal(404);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).to.deep.equal([405, 'GET, HEAD']);

    // The executor has received (a malformed message, dead-lettered): a permanent refusal of its very first
    // receive would stop it as misconfigured, which is not what this test is about.
    await sendTaskMessages(workspace.databasePath, [{ id: 'not-a-task', body: 'not json' }]);
    await waitFor(
      () => {
        const reader = new DatabaseReader(workspace.databasePath);
        try {
          return reader.all<{ n: number }>(`SELECT COUNT(*) AS n FROM queue_message WHERE dead_at IS NOT NULL`)[0]!.n === 1;
        } finally {
          reader.close();
        }
      },
      { timeoutMs: 60_000, describe: () => `the malformed message dead-lettered\n${running.stderr}` },
    );

    // Drop the queue's table under the running executor: the queue check fails, the database check still answers.
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const admin = new BetterSqlite3(workspace.databasePath);
    try {
      admin.pragma('busy_timeout = 5000');
      admin.exec('DROP TABLE queue_message');
    } finally {
      admin.close();
    }
    const response = await fetch(`${base}/readyz`);
    expect(response.status).to.equal(503);
    const body = (await response.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).to.equal('not ready');
    expect(body.checks.database).to.equal('ok');
    expect(body.checks.queue).to.match(/^failed: .*queue_message/);
    expect((await fetch(`${base}/healthz`)).status, 'still alive').to.equal(200);
  });
});
