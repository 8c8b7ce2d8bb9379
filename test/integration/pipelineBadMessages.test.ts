import { expect } from 'chai';
import { newTask } from '../../src/domain/Task.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { seedFleet, sendTaskMessages, taskMessage } from './helpers/fleet.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';
import type { StatusReport } from '../../src/cli/statusReport.js';

/** Bodies that are not tasks, each with words its dead-letter reason must hold. */
const malformed = [
  { id: 'bad-not-json', body: '{"v":1,"project":', reason: /not JSON/ },
  { id: 'bad-array', body: '[1, 2, 3]', reason: /not a JSON object/ },
  {
    id: 'bad-missing-field',
    body: '{"v":1,"project":"fleet","revision":"r","from":"2025-01-01T02:00:00Z","to":"2025-01-01T02:30:00Z"}',
    reason: /"model" must be a non-empty string/,
  },
  {
    id: 'bad-reversed',
    body: '{"v":1,"project":"fleet","model":"model-0000","revision":"r","from":"2025-01-01T03:00:00Z","to":"2025-01-01T02:00:00Z"}',
    reason: /empty or reversed/,
  },
  {
    id: 'bad-id',
    body: '{"v":1,"id":"0123","project":"fleet","model":"model-0000","revision":"r","from":"2025-01-01T02:00:00Z","to":"2025-01-01T02:30:00Z"}',
    reason: /does not match/,
  },
];

describe('pipeline: malformed queue messages', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let reader: DatabaseReader | undefined;
  let executor: CliProcess | undefined;

  beforeEach(() => {
    workspace = new Workspace('bad-messages');
  });
  afterEach(() => {
    executor?.kill();
    reader?.close();
    workspace.remove();
  });

  it('dead-letters each malformed message with its reason while the executor keeps running and completes the good tasks', async () => {
    const config = workspace.writeConfig(workspace.testConfig({ scheduler: { interval: '30m' } }));
    const fleet = await seedFleet(workspace.databasePath, { models: 3, tagsPerModel: 3, gappyModels: 1 });
    // The bad messages go in first, so the good ones queue up behind them.
    const unknownModel = taskMessage(
      newTask('fleet', 'no-such-model', 'r1', { fromMs: fleet.predictionRange.fromMs, toMs: fleet.predictionRange.fromMs + 30 * 60_000 }),
    );
    expect(await sendTaskMessages(workspace.databasePath, [...malformed, unknownModel])).to.equal(malformed.length + 1);
    const backfill = await runCli(
      [
        '--config',
        config,
        'backfill',
        '--from',
        new Date(fleet.predictionRange.fromMs).toISOString(),
        '--to',
        new Date(fleet.predictionRange.toMs).toISOString(),
      ],
      { cwd: workspace.dir },
    );
    expect(backfill.code, backfill.stderr).to.equal(0);
    reader = new DatabaseReader(workspace.databasePath);
    const db = reader;

    executor = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
    const running = executor;
    await waitFor(
      () =>
        db.count('SELECT COUNT(*) FROM queue_message WHERE dead_at IS NULL') === 0 &&
        db.count(`SELECT COUNT(*) FROM prediction_window WHERE state IN ('queued', 'running')`) === 0,
      {
        timeoutMs: 30_000,
        describe: () => `the queue to drain: ${JSON.stringify(db.windowStates())}\n${running.stdout.slice(-2000)}`,
      },
    );

    expect(running.child.exitCode, 'executor still running').to.equal(null);
    const dead = new Map(
      db
        .all<{ id: string; dead_reason: string }>('SELECT id, dead_reason FROM queue_message WHERE dead_at IS NOT NULL')
        .map((r) => [r.id, r.dead_reason]),
    );
    expect([...dead.keys()].sort()).to.deep.equal([...malformed.map((m) => m.id), unknownModel.id].sort());
    for (const m of malformed) expect(dead.get(m.id), m.id).to.match(m.reason);
    expect(dead.get(unknownModel.id)).to.match(/no-such-model/);
    // Good tasks: 2 windows for each of 3 models with data; the gappy model's 2 windows lack data.
    expect(db.windowStates()).to.deep.equal({ succeeded: 6, insufficient_data: 2, dead: 1 });
    expect(db.count('SELECT COUNT(*) FROM prediction')).to.equal(6 * 30);

    const status = await runCli(['--config', config, 'status', '--json'], { cwd: workspace.dir });
    expect(status.code, status.stderr).to.equal(0);
    const report = JSON.parse(status.stdout) as StatusReport;
    expect(report.queue).to.include({ ready: 0, leased: 0, delayed: 0, dead: malformed.length + 1 });
    expect(report.queue?.dead_letters).to.have.length(5);
    for (const letter of report.queue?.dead_letters ?? []) expect(letter.reason).to.be.a('string').and.not.equal('');
    expect(report.runs).to.include({ queued: 0, running: 0, succeeded: 6, insufficient_data: 2, failed: 0, dead: 1 });
    expect(report.runs.by_error_class).to.deep.equal({ permanent: 1 });
    expect(report.predictions).to.equal(6 * 30);

    const text = await runCli(['--config', config, 'status'], { cwd: workspace.dir });
    expect(text.stdout).to.match(/queue +0 ready, 0 leased, 0 delayed, 6 dead/);
    expect(text.stdout).to.match(/windows +0 queued, 0 running, 6 succeeded, 2 insufficient data, 0 failed, 1 dead/);

    running.child.kill('SIGTERM');
    expect((await running.untilExit(20_000)).code).to.equal(0);
  });
});
