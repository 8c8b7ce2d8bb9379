import { expect } from 'chai';
import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { openDatabase } from '../../src/persistence/dataSource.js';
import { runMigrations } from '../../src/persistence/migrate.js';
import { PostgresFleetRun } from './helpers/postgresFleet.js';
import { PrivateCluster } from './helpers/privateCluster.js';
import { waitFor } from './helpers/wait.js';

/** 300 models x 10 windows of 6 minutes = 3,000 tasks: long enough a run to restart the server in its middle. */
const MODELS = 300;
const INTERVAL_MS = 6 * 60_000;
const EXECUTORS = ['executor-1', 'executor-2', 'executor-3', 'executor-4'];

describe("PostgreSQL restarted while 4 executors drain the queue (a server of the test's own)", function () {
  // The drain fails on a stall (helpers/wait.ts); this only catches a hang.
  this.timeout(600_000);
  let cluster: PrivateCluster | undefined;
  let url: string;
  let run: PostgresFleetRun | undefined;

  // A server of its own: restarting the machine's would cut off every other user of it (a second npm test too).
  before(async function () {
    this.timeout(180_000);
    cluster = await PrivateCluster.start();
    url = await cluster.createDatabase('latigo_restart');
    const db = await openDatabase({ url, busyTimeoutMs: 5_000, logQueries: false }, withBuiltInTables);
    try {
      await runMigrations(db);
    } finally {
      await db.close();
    }
  });

  // Whatever happened, the server is up again for the executors' clean-up, then removed.
  after(async function () {
    this.timeout(180_000);
    try {
      await cluster?.ensureRunning();
      await run?.dispose();
    } finally {
      await cluster?.remove();
    }
  });

  it('executors reconnect and finish every task exactly once; nothing is lost', async () => {
    const fleet = await PostgresFleetRun.seed(url, 'pg-restart', {
      models: MODELS,
      tagsPerModel: 2,
      intervalMs: INTERVAL_MS,
      // Short leases: tasks cut off by the restart are not settled, and come back when their leases end. The task
      // timeout leaves room for a loaded machine (at load 15, 64 tasks in flight took about 3 s each).
      sections: { executor: { concurrency: 8, task_timeout: '15s' }, task_queue: { visibility_timeout: '20s' } },
    });
    run = fleet;
    await fleet.backfill();
    for (const name of EXECUTORS) fleet.startExecutor(name);
    await waitFor(async () => (await fleet.succeeded()) >= fleet.windows / 4, {
      intervalMs: 50,
      progress: { done: () => fleet.succeeded(), total: fleet.windows / 4, stallMs: 60_000 },
      describe: () => `a quarter of the windows to succeed\n${fleet.output()}`,
    });
    const startedBefore = await serverStartedAt(fleet);
    expect(await listeners(fleet), 'LISTEN connections before the restart').to.equal(EXECUTORS.length);

    await cluster!.restart();
    const restartedAt = Date.now();
    // The reader's first query may still meet a connection the restart ended (the pool drops it then).
    const startedAfter = await serverStartedAt(fleet).catch(() => serverStartedAt(fleet));
    expect(startedAfter, 'the server start time').to.be.greaterThan(startedBefore);
    // The restart came in the middle of the run: work was left when the server was back.
    expect(await fleet.succeeded(), 'windows succeeded when the server came back').to.be.below(fleet.windows * 0.9);

    await fleet.waitForDrain({ tolerateErrors: true });
    expect(
      fleet.running().map(([name]) => name),
      'executors running after the drain',
    ).to.deep.equal(EXECUTORS);
    // Each one reconnected: it finished tasks after the restart.
    const after = await fleet.reader.all<{ executor: string }>(
      'SELECT DISTINCT executor FROM task_run WHERE started_at >= ? ORDER BY executor',
      restartedAt,
    );
    expect(
      after.map((r) => r.executor),
      'executors that ran tasks after the restart',
    ).to.deep.equal(EXECUTORS);
    // Their wake-up connections came back too (idle executors would otherwise only poll).
    await waitFor(async () => (await listeners(fleet)) === EXECUTORS.length, {
      timeoutMs: 15_000,
      intervalMs: 200,
      describe: () => `every executor to LISTEN again\n${fleet.output()}`,
    });
    await fleet.stopExecutors();

    await fleet.expectExactlyOnce();
  });
});

/** Sessions of the test database LISTENing for new tasks: one per executor (DatabaseTaskQueue on PostgreSQL). */
async function listeners(fleet: PostgresFleetRun): Promise<number> {
  return fleet.reader.count(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`);
}

/** pg_postmaster_start_time() in epoch ms. */
async function serverStartedAt(fleet: PostgresFleetRun): Promise<number> {
  return fleet.reader.count('SELECT (EXTRACT(EPOCH FROM pg_postmaster_start_time()) * 1000)::bigint AS t');
}
