import { expect } from 'chai';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { seedFleet, type Fleet } from './helpers/fleet.js';
import { auditWindows, modelKey, storedTimes, timeGrid } from './helpers/predictions.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const MODELS = 120;
const INTERVAL_MS = 30 * 60_000;
const VISIBILITY_TIMEOUT_MS = 3_000;

describe('kill -9 of an executor holding leases', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let reader: DatabaseReader | undefined;
  const processes: CliProcess[] = [];

  beforeEach(() => {
    workspace = new Workspace('kill');
  });
  afterEach(() => {
    processes.splice(0).forEach((p) => p.kill());
    reader?.close();
    workspace.remove();
  });

  it('redelivers the leased tasks after the visibility timeout and completes them, with no duplicate predictions', async () => {
    // Many tasks in flight at once, each model untrained (trained on first use): the executor holds its
    // leases long enough to be killed in the middle of them.
    const config = workspace.writeConfig(
      workspace.testConfig({
        scheduler: { interval: '30m' },
        executor: { concurrency: 64 },
        task_queue: { visibility_timeout: VISIBILITY_TIMEOUT_MS },
      }),
    );
    const fleet: Fleet = await seedFleet(workspace.databasePath, { models: MODELS, tagsPerModel: 4 });
    const range = [
      '--from',
      new Date(fleet.predictionRange.fromMs).toISOString(),
      '--to',
      new Date(fleet.predictionRange.toMs).toISOString(),
    ];
    const backfill = await runCli(['--config', config, 'backfill', ...range], { cwd: workspace.dir });
    expect(backfill.code, backfill.stderr).to.equal(0);
    const windows = MODELS * ((fleet.predictionRange.toMs - fleet.predictionRange.fromMs) / INTERVAL_MS);
    const rowsPerWindow = INTERVAL_MS / fleet.resolutionMs;
    reader = new DatabaseReader(workspace.databasePath);
    const db = reader;

    const victim = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
    processes.push(victim);
    const held = () => db.count(`SELECT COUNT(*) FROM queue_message WHERE lease_owner = 'executor-1' AND dead_at IS NULL`);
    const running = () => db.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'running'`);
    await waitFor(() => held() >= 10 && running() >= 5, {
      timeoutMs: 30_000,
      intervalMs: 5,
      describe: () => `executor-1 to hold leases (held ${held()}, running ${running()})\n${victim.stderr.slice(-2000)}`,
    });
    victim.child.kill('SIGKILL');
    const killed = await victim.untilExit(10_000);
    expect(killed.signal).to.equal('SIGKILL');

    // What the dead executor left behind: leased messages, and windows it had begun but not finished.
    const leasedAtDeath = db
      .all<{ id: string }>(`SELECT id FROM queue_message WHERE lease_owner = 'executor-1' AND dead_at IS NULL`)
      .map((r) => r.id);
    const begunAtDeath = db.all<{ task_id: string }>(`SELECT task_id FROM prediction_window WHERE state = 'running'`).map((r) => r.task_id);
    expect(leasedAtDeath.length, 'leases held at the kill').to.be.greaterThan(0);
    expect(begunAtDeath.length, 'windows begun at the kill').to.be.greaterThan(0);
    const leasesExpireAt = db.count(`SELECT MIN(visible_at) FROM queue_message WHERE lease_owner = 'executor-1' AND dead_at IS NULL`);

    const rescuer = startCli(['--config', config, 'executor', '--name', 'executor-2'], { cwd: workspace.dir });
    processes.push(rescuer);
    await waitFor(
      () =>
        db.count(`SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'`) === windows &&
        db.count('SELECT COUNT(*) FROM queue_message') === 0,
      {
        timeoutMs: 40_000,
        describe: () => `every window to succeed: ${JSON.stringify(db.windowStates())}\n${rescuer.stderr.slice(-2000)}`,
      },
    );
    rescuer.child.kill('SIGTERM');
    expect((await rescuer.untilExit(20_000)).code).to.equal(0);

    // The held messages were redelivered only once their leases had expired.
    const firstRescue = db.count(
      `SELECT MIN(started_at) FROM task_run WHERE executor = 'executor-2' AND task_id IN (${leasedAtDeath.map(() => '?').join(',')})`,
      ...leasedAtDeath,
    );
    expect(firstRescue).to.be.at.least(leasesExpireAt);

    expect(db.windowStates()).to.deep.equal({ succeeded: windows });
    expect(db.count('SELECT COUNT(*) FROM prediction')).to.equal(windows * rowsPerWindow);
    // Every model has exactly the timestamps of the range: the kill lost none and the rerun added none elsewhere.
    const times = storedTimes(db);
    expect([...times.keys()].sort()).to.deep.equal(fleet.models.map(modelKey).sort());
    const grid = timeGrid(fleet.predictionRange, fleet.resolutionMs);
    for (const [model, stored] of times) expect(stored, model).to.deep.equal(grid);
    // Each window was completed by exactly one run (a redelivery of a finished window is acked without work),
    // and the ledger's row count is what was stored for it.
    const off = auditWindows(db).filter(
      (w) => w.state !== 'succeeded' || w.succeeded_runs !== 1 || w.rows_written !== rowsPerWindow || w.stored !== rowsPerWindow,
    );
    expect(off, 'windows not done exactly once').to.deep.equal([]);

    // Each window begun by the dead executor ran again as its second attempt, by the survivor.
    for (const taskId of begunAtDeath) {
      const runs = db.all<{ executor: string; attempt: number; status: string }>(
        'SELECT executor, attempt, status FROM task_run WHERE task_id = ? ORDER BY id',
        taskId,
      );
      expect(runs.at(-1), taskId).to.deep.equal({ executor: 'executor-2', attempt: 2, status: 'succeeded' });
    }
    // Every message it held was completed: by the survivor, or by the victim itself just before the kill
    // when only the ack was missing (then the redelivery is acked without work).
    for (const taskId of leasedAtDeath) {
      const runs = db.all<{ executor: string; status: string }>(
        'SELECT executor, status FROM task_run WHERE task_id = ? ORDER BY id',
        taskId,
      );
      expect(runs.at(-1)?.status, taskId).to.equal('succeeded');
    }
    expect(db.count(`SELECT COUNT(*) FROM task_run WHERE executor = 'executor-2'`)).to.be.at.least(begunAtDeath.length);
  });
});
