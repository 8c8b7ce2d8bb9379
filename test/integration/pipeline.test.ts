import { expect } from 'chai';
import { newTask } from '../../src/domain/Task.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { openWorkspaceDatabase, seedFleet, sendTaskMessages, taskMessage, type Fleet } from './helpers/fleet.js';
import { auditWindows, modelKey, storedTimes, timeGrid } from './helpers/predictions.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';
import type { StatusReport } from '../../src/cli/statusReport.js';

const MODELS = 200;
const INTERVAL_MS = 30 * 60_000;

/**
 * One prediction cycle of 200 models on SQLite, end to end through the `latigo` command: `backfill`
 * queues a fixed past hour (two 30-minute windows per model), two `executor` processes drain the queue.
 */
describe('pipeline: a cycle of 200 models on SQLite', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let config: string;
  let fleet: Fleet;
  let reader: DatabaseReader;
  /** Every executor started, so `after` can stop any that a failed or timed-out hook left running. */
  const started: CliProcess[] = [];
  const from = () => new Date(fleet.predictionRange.fromMs).toISOString();
  const to = () => new Date(fleet.predictionRange.toMs).toISOString();
  const windowsPerModel = () => (fleet.predictionRange.toMs - fleet.predictionRange.fromMs) / INTERVAL_MS;
  const rowsPerWindow = () => INTERVAL_MS / fleet.resolutionMs;

  before(async function () {
    this.timeout(180_000);
    workspace = new Workspace('pipeline');
    config = workspace.writeConfig(workspace.testConfig({ scheduler: { interval: '30m' }, executor: { concurrency: 16 } }));
    fleet = await seedFleet(workspace.databasePath, { models: MODELS, tagsPerModel: 3 });
    reader = new DatabaseReader(workspace.databasePath);

    const backfill = await runCli(['--config', config, 'backfill', '--from', from(), '--to', to()], { cwd: workspace.dir });
    expect(backfill.code, backfill.stderr).to.equal(0);
    expect(backfill.stdout).to.contain(
      `backfill done: ${MODELS * windowsPerModel()} windows of ${MODELS} model(s); ${MODELS * windowsPerModel()} queued`,
    );
    await drainWithExecutors(['executor-1', 'executor-2']);
  });

  after(() => {
    started.splice(0).forEach((e) => e.kill());
    reader?.close();
    workspace?.remove();
  });

  /** Runs executors until every window finished and the queue is empty, then stops them with SIGTERM. */
  async function drainWithExecutors(names: readonly string[]): Promise<void> {
    const executors: CliProcess[] = names.map((name) => startCli(['--config', config, 'executor', '--name', name], { cwd: workspace.dir }));
    started.push(...executors);
    try {
      await waitFor(
        () =>
          reader.count('SELECT COUNT(*) FROM queue_message') === 0 &&
          reader.count(`SELECT COUNT(*) FROM prediction_window WHERE state IN ('queued', 'running')`) === 0,
        {
          timeoutMs: 45_000,
          describe: () =>
            `the queue to drain: ${JSON.stringify(reader.windowStates())}\n${executors.map((e) => (e.stderr + e.stdout).slice(-2000)).join('\n')}`,
        },
      );
      for (const executor of executors) executor.child.kill('SIGTERM');
      for (const executor of executors) {
        const exit = await executor.untilExit(20_000);
        expect(exit.code, `executor exit\n${exit.stderr}`).to.equal(0);
      }
    } finally {
      executors.forEach((e) => e.kill());
    }
  }

  it('stores every prediction exactly once', () => {
    const windows = MODELS * windowsPerModel();
    expect(reader.windowStates()).to.deep.equal({ succeeded: windows });
    expect(reader.count('SELECT COUNT(*) FROM prediction')).to.equal(windows * rowsPerWindow());
    expectEveryTimestampOnce();
    // Each window was done by exactly one run, which stored exactly its rows.
    const off = auditWindows(reader).filter(
      (w) => w.state !== 'succeeded' || w.succeeded_runs !== 1 || w.rows_written !== rowsPerWindow() || w.stored !== rowsPerWindow(),
    );
    expect(off, 'windows not done exactly once').to.deep.equal([]);
    expect(reader.count(`SELECT COUNT(*) FROM task_run WHERE status = 'succeeded'`)).to.equal(windows);
  });

  /** Each model has exactly the timestamps of the range on its grid: nothing missing, nothing extra, no other model. */
  function expectEveryTimestampOnce(): void {
    const times = storedTimes(reader);
    expect([...times.keys()].sort()).to.deep.equal(fleet.models.map(modelKey).sort());
    const grid = timeGrid(fleet.predictionRange, fleet.resolutionMs);
    expect(grid).to.have.length(windowsPerModel() * rowsPerWindow());
    for (const [model, stored] of times) expect(stored, model).to.deep.equal(grid);
  }

  it('reports the cycle in `latigo status --json`', async () => {
    const result = await runCli(['--config', config, 'status', '--json'], { cwd: workspace.dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout.trim().split('\n'), 'one JSON object on stdout').to.have.length(1);
    const status = JSON.parse(result.stdout) as StatusReport;
    expect(status.queue).to.include({ ready: 0, leased: 0, delayed: 0, dead: 0 });
    expect(status.runs).to.include({
      queued: 0,
      running: 0,
      succeeded: MODELS * windowsPerModel(),
      failed: 0,
      insufficient_data: 0,
      dead: 0,
    });
    expect(status.runs.by_error_class).to.deep.equal({});
    expect(status.predictions).to.equal(MODELS * windowsPerModel() * rowsPerWindow());
    expect(status.latest_anomalies).to.be.an('array');
  });

  it('adds no rows when the same windows are backfilled again', async () => {
    const before = reader.count('SELECT COUNT(*) FROM prediction');
    const result = await runCli(['--config', config, 'backfill', '--from', from(), '--to', to()], { cwd: workspace.dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain(`0 queued, ${MODELS * windowsPerModel()} already recorded`);
    expect(reader.count('SELECT COUNT(*) FROM queue_message')).to.equal(0);
    expect(reader.count('SELECT COUNT(*) FROM prediction')).to.equal(before);
  });

  it('adds no rows when the same tasks are delivered and run again', async () => {
    const before = reader.count('SELECT COUNT(*) FROM prediction');
    const runsBefore = reader.count('SELECT COUNT(*) FROM task_run');
    const windows = reader.all<{ project: string; model: string; revision: string; from_ms: number; to_ms: number }>(
      'SELECT project, model, revision, from_ms, to_ms FROM prediction_window',
    );
    // A crash after the store committed but before the ledger recorded it: the window is still
    // open, so the redelivered task really runs again and overwrites its own rows.
    const reopened = 50;
    const db = await openWorkspaceDatabase(workspace.databasePath);
    try {
      await db.dataSource.query(
        `UPDATE prediction_window SET state = 'running' WHERE task_id IN (SELECT task_id FROM prediction_window ORDER BY task_id LIMIT ?)`,
        [reopened],
      );
    } finally {
      await db.close();
    }
    const sent = await sendTaskMessages(
      workspace.databasePath,
      windows.map((w) => taskMessage(newTask(w.project, w.model, w.revision, { fromMs: w.from_ms, toMs: w.to_ms }))),
    );
    expect(sent).to.equal(windows.length);

    await drainWithExecutors(['executor-3', 'executor-4']);

    expect(reader.count('SELECT COUNT(*) FROM prediction')).to.equal(before);
    expectEveryTimestampOnce();
    expect(reader.windowStates()).to.deep.equal({ succeeded: windows.length });
    // Only the reopened windows ran again; the others were acked without work.
    expect(reader.count('SELECT COUNT(*) FROM task_run') - runsBefore).to.equal(reopened);
    expect(reader.count(`SELECT COUNT(*) FROM task_run WHERE executor IN ('executor-3', 'executor-4') AND attempt = 2`)).to.equal(reopened);
  });
});
