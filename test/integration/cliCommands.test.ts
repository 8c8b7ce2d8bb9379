import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrations } from '../../migrations/index.js';
import { embeddedDefaultsMigrations } from '../fixtures/builtInMigrations.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';
import type { StatusReport } from '../../src/cli/statusReport.js';

/** The one-shot commands against a small demo plant, in the order an operator would use them. */
describe('latigo migrate, demo seed, models and backfill', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let config: string;
  /** Long-running commands and extra workspaces a test started: stopped and removed after each test, even one that failed or timed out. */
  const started: CliProcess[] = [];
  const ownWorkspaces: Workspace[] = [];
  const latigo = (...args: string[]) => runCli(['--config', config, ...args], { cwd: workspace.dir });

  before(() => {
    workspace = new Workspace('commands');
    config = workspace.writeConfig(
      workspace.testConfig({
        demo: { assets: 2, tags_per_asset: 6, history: '8h', training: '5h', resolution: '60s', faults_per_asset: 1 },
      }),
    );
  });
  afterEach(() => {
    started.splice(0).forEach((p) => p.kill());
    ownWorkspaces.splice(0).forEach((w) => w.remove());
  });
  after(() => workspace?.remove());

  it('migrate applies the migrations once and --status lists them', async () => {
    // --status is read-only and refuses a missing database (test/integration/cliReadOnly.test.ts): an empty file is a new one.
    writeFileSync(workspace.databasePath, '');
    const pending = await latigo('migrate', '--status');
    expect(pending.code, pending.stderr).to.equal(0);
    expect(pending.stdout).to.match(/^pending +CreateCoreTables/m);
    const applied = await latigo('migrate');
    expect(applied.stdout).to.match(new RegExp(`^applied ${migrations.length + embeddedDefaultsMigrations.length} migration\\(s\\)`));
    expect((await latigo('migrate')).stdout).to.match(/is up to date/);
    expect((await latigo('migrate', '--status')).stdout).not.to.contain('pending');
  });

  it('demo seed seeds once, keeps an existing demo, and replaces it with --force', async () => {
    const first = await latigo('demo', 'seed');
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(/^seeded demo project "demo": 2 assets, 5760 points, 2 injected faults, 2 models/);
    const again = await latigo('demo', 'seed');
    expect(again.stdout).to.contain('already seeded');
    const forced = await latigo('demo', 'seed', '--force');
    expect(forced.stdout).to.match(/^seeded demo project "demo"/);
  });

  it('models list shows each model untrained until models train trains it', async () => {
    const listed = await latigo('models', 'list');
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.match(/^PROJECT +NAME +REVISION +TRAINED$/m);
    expect(listed.stdout).to.match(/^demo +compressor-01-anomaly +\w+ +no \(not_registered\)$/m);
    expect(listed.stdout).to.contain('2 model(s), 0 trained');

    const one = await latigo('models', 'train', '--model', 'demo/pump-01-anomaly');
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.contain('trained 1, already trained 0, failed 0');
    const json = JSON.parse((await latigo('models', 'list', '--json')).stdout) as { name: string; trained: boolean }[];
    expect(json.map((m) => [m.name, m.trained])).to.deep.equal([
      ['compressor-01-anomaly', false],
      ['pump-01-anomaly', true],
    ]);

    const rest = await latigo('models', 'train');
    expect(rest.stdout).to.contain('trained 1, already trained 1, failed 0');

    // The false-alarm rate each model's calibration measured on held-out training rows, beside the promise.
    const trained = JSON.parse((await latigo('models', 'list', '--json')).stdout) as { details?: Record<string, number | string> }[];
    for (const m of trained) {
      expect(m.details?.['false_alarm_rate']).to.be.a('number').within(0, 1);
      expect(m.details).to.include({ limits: 'empirical', confidence: 0.99 });
    }
    const table = await latigo('models', 'list');
    expect(table.stdout).to.match(/^PROJECT +NAME +REVISION +TRAINED +FALSE ALARMS$/m);
    expect(table.stdout).to.match(/^demo +pump-01-anomaly +\w+ +yes +\d+\.\d\d % \(nominal 1\.00 %\)$/m);
  });

  it('models train and backfill refuse an unknown model with one line and exit 1', async () => {
    const train = await latigo('models', 'train', '--model', 'no-such-model');
    expect(train.code).to.equal(1);
    expect(train.stderr.trim()).to.match(/^latigo: unknown model\(s\): "no-such-model"$/m);
    const backfill = await latigo('backfill', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-01T01:00:00Z', '--model', 'no-such-model');
    expect(backfill.code).to.equal(1);
    expect(backfill.stderr).to.match(/^latigo: .*no-such-model/m);
    expect(backfill.stderr).not.to.match(/^\s+at /m);
  });

  it('backfill queues a range once and resumes without queueing it twice', async () => {
    const range = ['--from', '2026-01-01T00:00:00Z', '--to', '2026-01-01T02:00:00Z'];
    const first = await latigo('backfill', ...range, '--model', 'pump-01-anomaly');
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.contain('backfill done: 12 windows of 1 model(s); 12 queued, 0 already recorded');
    expect(first.stdout).to.contain('queued 12 windows covering 2026-01-01T00:00Z .. 2026-01-01T02:00Z\n');
    const all = await latigo('backfill', ...range);
    expect(all.stdout).to.contain('backfill done: 24 windows of 2 model(s); 12 queued, 12 already recorded');
    const status = JSON.parse((await latigo('status', '--json')).stdout) as StatusReport;
    expect(status.queue?.ready).to.equal(24);
    expect(status.runs.queued).to.equal(24);
  });

  it('backfill aligns --from/--to off the window grid outward, covering every row, and says so', async () => {
    const result = await latigo('backfill', '--from', '2026-01-01T03:05:30Z', '--to', '2026-01-01T03:54:10Z', '--model', 'pump-01-anomaly');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain(
      'queued 6 windows covering 2026-01-01T03:00Z .. 2026-01-01T04:00Z (--from/--to aligned outward to the window grid)',
    );
  });

  it('backfill refuses a range that ends before it starts', async () => {
    const result = await latigo('backfill', '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z');
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('--to must be later than --from');
  });

  it('backfill stops cleanly on Ctrl-C and a rerun queues only the rest', async () => {
    // A batch of 5 lets at most 10 backfill windows wait for executors: with none running, it pauses.
    const own = new Workspace('backfill-resume');
    ownWorkspaces.push(own);
    const paced = own.writeConfig(
      own.testConfig({
        scheduler: { batch_size: 5 },
        demo: { assets: 2, tags_per_asset: 6, history: '8h', training: '5h', resolution: '60s', faults_per_asset: 1 },
      }),
    );
    expect((await runCli(['--config', paced, 'demo', 'seed'], { cwd: own.dir })).code).to.equal(0);
    const range = ['--from', '2026-02-01T00:00:00Z', '--to', '2026-02-01T02:00:00Z'];
    const interrupted = startCli(['--config', paced, 'backfill', ...range], { cwd: own.dir });
    started.push(interrupted);
    const reader = new DatabaseReader(own.databasePath);
    const backfilled = () => reader.count('SELECT COUNT(*) FROM prediction_window');
    try {
      await waitFor(() => backfilled() > 0, { timeoutMs: 20_000, describe: () => `windows to be queued\n${interrupted.stderr}` });
      await sleep(1_500); // longer than the backfill's 1 s look for room: it is paused, not slow
      const queuedBeforeStop = backfilled();
      expect(queuedBeforeStop).to.be.within(1, 10);
      interrupted.child.kill('SIGINT');
      const stopped = await interrupted.untilExit(10_000);
      expect(stopped.code, stopped.stderr).to.equal(0);
      expect(stopped.stdout).to.contain('backfill stopped; run the same command again');
      expect(backfilled()).to.equal(queuedBeforeStop);

      const executor = startCli(['--config', paced, 'executor', '--name', 'executor-1'], { cwd: own.dir });
      started.push(executor);
      try {
        const resumed = await runCli(['--config', paced, 'backfill', ...range], { cwd: own.dir });
        expect(resumed.code, resumed.stderr).to.equal(0);
        expect(resumed.stdout).to.contain(
          `backfill done: 24 windows of 2 model(s); ${24 - queuedBeforeStop} queued, ${queuedBeforeStop} already recorded`,
        );
        expect(backfilled()).to.equal(24);
      } finally {
        executor.child.kill('SIGTERM');
        await executor.untilExit(20_000);
      }
    } finally {
      reader.close();
    }
  });
});
