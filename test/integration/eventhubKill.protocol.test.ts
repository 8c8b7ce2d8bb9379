import { expect } from 'chai';
import { EventHubServer } from '../servers/eventhub/EventHubServer.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { seedFleet } from './helpers/fleet.js';
import { auditWindows } from './helpers/predictions.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

// The acceptance scenario of the Event Hubs queue, end to end with the real CLI and the real SDK against
// the loopback hub: the scheduler (backfill) posts 2,000 tasks over 4 partitions, two executor processes
// share the partitions through the checkpoint store in the SQLite file, one is killed with SIGKILL
// mid-run, and the survivor takes its partitions over from their last checkpoints.

const MODELS = 100;
const INTERVAL = '3m';
const WINDOWS_PER_MODEL = 20; // the fleet's 1 h prediction range in 3-minute windows
const TASKS = MODELS * WINDOWS_PER_MODEL;
const ROWS_PER_WINDOW = 3; // 1-minute resolution
const OWNERSHIP_EXPIRATION_MS = 4_000;

describe('Event Hubs queue: two executor processes, one killed (protocol)', function () {
  // Budget: seeding and 2,000 tasks on 2 shared CPUs, plus the ownership expiry and the SDK's recovery pauses.
  this.timeout(180_000);
  let server: EventHubServer;
  let workspace: Workspace;
  let reader: DatabaseReader | undefined;
  const processes: CliProcess[] = [];

  before(async () => {
    server = await EventHubServer.start({ hubs: { tasks: { partitions: 4 } } });
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    workspace = new Workspace('eventhub-kill');
  });
  afterEach(() => {
    processes.splice(0).forEach((p) => p.kill());
    reader?.close();
    workspace.remove();
  });

  it('processes all 2,000 tasks balanced over both executors, and kill -9 of one loses and duplicates nothing', async () => {
    const config = workspace.testConfig({ scheduler: { interval: INTERVAL }, executor: { concurrency: 16, task_timeout: '20s' } });
    config.task_queue = {
      type: 'eventhub',
      connection_string: server.connectionString('tasks'),
      consumer_group: '$Default',
      max_batch_size: 50,
      max_wait_time: '250ms',
      max_unsettled_per_partition: 60,
      load_balancing: { strategy: 'balanced', update_interval: '500ms', ownership_expiration: OWNERSHIP_EXPIRATION_MS },
      connection_retry: { maximum_attempts: 4, initial_interval: '200ms' },
      operation_timeout: '5s',
    };
    const configPath = workspace.writeConfig(config);
    const fleet = await seedFleet(workspace.databasePath, { models: MODELS, tagsPerModel: 3 });
    const range = [
      '--from',
      new Date(fleet.predictionRange.fromMs).toISOString(),
      '--to',
      new Date(fleet.predictionRange.toMs).toISOString(),
    ];
    const backfill = await runCli(['--config', configPath, 'backfill', ...range], { cwd: workspace.dir });
    expect(backfill.code, backfill.stderr).to.equal(0);
    expect(server.published).to.equal(TASKS);
    expect(['0', '1', '2', '3'].map((p) => server.events('tasks', p).length).every((n) => n > 0)).to.equal(true);

    reader = new DatabaseReader(workspace.databasePath);
    const db = reader;
    const victim = startCli(['--config', configPath, 'executor', '--name', 'executor-1'], { cwd: workspace.dir });
    const survivor = startCli(['--config', configPath, 'executor', '--name', 'executor-2'], { cwd: workspace.dir });
    processes.push(victim, survivor);
    const owned = (owner: string) => db.count('SELECT COUNT(*) FROM eventhub_ownership WHERE owner_id = ?', owner);
    const runsBy = (owner: string) => db.count('SELECT COUNT(*) FROM task_run WHERE executor = ?', owner);
    // Balanced: each holds two partitions and has worked on its own share before the kill.
    await waitFor(
      () => owned('executor-1') === 2 && owned('executor-2') === 2 && runsBy('executor-1') >= 50 && runsBy('executor-2') >= 50,
      {
        timeoutMs: 90_000,
        intervalMs: 20,
        describe: () =>
          `both executors to own 2 partitions and run tasks (owned ${owned('executor-1')}/${owned('executor-2')}, ` +
          `runs ${runsBy('executor-1')}/${runsBy('executor-2')})\n${victim.stderr.slice(-1500)}${survivor.stderr.slice(-1500)}`,
      },
    );
    const succeededBeforeKill = db.count("SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'");
    expect(succeededBeforeKill, 'killed mid-run').to.be.below(TASKS);
    victim.child.kill('SIGKILL');
    expect((await victim.untilExit(10_000)).signal).to.equal('SIGKILL');

    await waitFor(() => db.count("SELECT COUNT(*) FROM prediction_window WHERE state = 'succeeded'") === TASKS, {
      timeoutMs: 120_000,
      intervalMs: 100,
      describe: () => `every window to succeed: ${JSON.stringify(db.windowStates())}\n${survivor.stderr.slice(-2000)}`,
    });
    // The survivor took the dead executor's partitions after their ownership expired.
    await waitFor(() => owned('executor-2') === 4, { timeoutMs: 60_000, describe: () => `executor-2 owns all 4 (${owned('executor-2')})` });
    // ...and read them from the checkpoints to the end of each partition.
    const checkpoints = db.all<{ partition_id: string; sequence_number: number }>(
      'SELECT partition_id, sequence_number FROM eventhub_checkpoint ORDER BY partition_id',
    );
    await waitFor(
      () =>
        db
          .all<{ partition_id: string; sequence_number: number }>('SELECT partition_id, sequence_number FROM eventhub_checkpoint')
          .every((c) => c.sequence_number === server.events('tasks', c.partition_id).length - 1),
      {
        timeoutMs: 60_000,
        describe: () => `checkpoints at the end of each partition: ${JSON.stringify(checkpoints)}`,
      },
    );
    survivor.child.kill('SIGTERM');
    expect((await survivor.untilExit(20_000)).code, survivor.stderr.slice(-2000)).to.equal(0);

    expect(db.windowStates()).to.deep.equal({ succeeded: TASKS });
    expect(db.count('SELECT COUNT(*) FROM prediction')).to.equal(TASKS * ROWS_PER_WINDOW);
    // Exactly one successful run per window (a redelivered finished window is acked without work), and its
    // rows are what was stored: nothing lost, nothing predicted twice.
    const off = auditWindows(db).filter(
      (w) => w.state !== 'succeeded' || w.succeeded_runs !== 1 || w.rows_written !== ROWS_PER_WINDOW || w.stored !== ROWS_PER_WINDOW,
    );
    expect(off, 'windows not done exactly once').to.deep.equal([]);
    expect(db.count('SELECT COUNT(*) FROM eventhub_dead_letter')).to.equal(0);
    // `latigo status` reads the hub's backlog after the checkpoints: none left, nothing parked.
    const status = await runCli(['--config', configPath, 'status', '--json'], { cwd: workspace.dir });
    expect(status.code, status.stderr).to.equal(0);
    expect((JSON.parse(status.stdout) as { queue: unknown }).queue).to.deep.equal({
      ready: 0,
      leased: 0,
      delayed: 0,
      dead: 0,
      dead_letters: [],
    });
    expect(runsBy('executor-1')).to.be.greaterThan(0);
    expect(runsBy('executor-2')).to.be.greaterThan(runsBy('executor-1'));
  });
});
