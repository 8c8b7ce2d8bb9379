import { expect } from 'chai';
import { ensureClusterRunning, localClusterServing, restartCluster, type LocalCluster } from './helpers/localCluster.js';
import { PostgresFleetRun } from './helpers/postgresFleet.js';
import { testServerUrl, useThrowawayPostgres } from './helpers/postgres.js';
import { waitFor } from './helpers/sqlite.js';

/** 300 models x 10 windows of 6 minutes = 3,000 tasks: long enough a run to restart the server in its middle. */
const MODELS = 300;
const INTERVAL_MS = 6 * 60_000;
const EXECUTORS = ['executor-1', 'executor-2', 'executor-3', 'executor-4'];

describe('PostgreSQL restarted while 4 executors drain the queue', function () {
  // The drain fails on a stall (helpers/wait.ts); this only catches a hang.
  this.timeout(600_000);
  const server = useThrowawayPostgres();
  let cluster: LocalCluster | undefined;
  let run: PostgresFleetRun | undefined;

  // Whatever happened, the server is up again for the tests after this one (and for the database's removal).
  afterEach(async function () {
    this.timeout(180_000);
    try {
      if (cluster !== undefined) await ensureClusterRunning(cluster, testServerUrl());
    } finally {
      await run?.dispose();
    }
  });

  it('executors reconnect and finish every task exactly once; nothing is lost', async () => {
    cluster = await localClusterServing(server.url);
    const fleet = await PostgresFleetRun.seed(server.url, 'pg-restart', {
      models: MODELS,
      tagsPerModel: 2,
      intervalMs: INTERVAL_MS,
      // Short leases: tasks cut off by the restart are not settled, and come back when their leases end.
      sections: { executor: { concurrency: 16, task_timeout: '2s' }, task_queue: { visibility_timeout: '4s' } },
    });
    run = fleet;
    await fleet.backfill();
    for (const name of EXECUTORS) fleet.startExecutor(name);
    await waitFor(async () => (await fleet.succeeded()) >= fleet.windows / 4, {
      timeoutMs: 60_000,
      intervalMs: 50,
      describe: () => `a quarter of the windows to succeed\n${fleet.output()}`,
    });
    const startedBefore = await serverStartedAt(fleet);
    expect(await listeners(fleet), 'LISTEN connections before the restart').to.equal(EXECUTORS.length);

    await restartCluster(cluster);
    const restartedAt = Date.now();
    await ensureClusterRunning(cluster, server.url);
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
