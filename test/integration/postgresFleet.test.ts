import { expect } from 'chai';
import { PostgresFleetRun } from './helpers/postgresFleet.js';
import { useThrowawayPostgres } from './helpers/postgres.js';

/** 500 models x 10 windows of 6 minutes (6 predictions each) = 5,000 tasks. */
const MODELS = 500;
const INTERVAL_MS = 6 * 60_000;
const EXECUTORS = ['executor-1', 'executor-2', 'executor-3', 'executor-4'];

describe('PostgreSQL: 4 executor processes drain 5,000 tasks', function () {
  // No mocha budget: the drain fails when progress stalls (helpers/wait.ts), however slow the machine.
  this.timeout(0);
  const server = useThrowawayPostgres();
  let run: PostgresFleetRun | undefined;

  afterEach(async () => {
    await run?.dispose();
  });

  it('every task has exactly one successful run, and no prediction row is duplicated', async () => {
    run = await PostgresFleetRun.seed(server.url, 'pg-fleet', {
      models: MODELS,
      tagsPerModel: 2,
      intervalMs: INTERVAL_MS,
      // Leases far longer than any task here: a second run of a window can only come from a double lease.
      sections: { executor: { concurrency: 16, task_timeout: '20s' }, task_queue: { visibility_timeout: '30s' } },
    });
    expect(run.windows).to.equal(5_000);
    await run.backfill();
    for (const name of EXECUTORS) run.startExecutor(name);
    await run.waitForDrain();
    expect(
      run.running().map(([name]) => name),
      'executors still running after the drain',
    ).to.deep.equal(EXECUTORS);
    await run.stopExecutors();

    await run.expectExactlyOnce();
    // Nothing failed or ran twice: one run per window in all, and every executor took part.
    expect(await run.reader.count('SELECT COUNT(*) FROM task_run')).to.equal(run.windows);
    const perExecutor = await run.reader.all<{ executor: string }>('SELECT DISTINCT executor FROM task_run ORDER BY executor');
    expect(
      perExecutor.map((r) => r.executor),
      'executors that ran tasks',
    ).to.deep.equal(EXECUTORS);
  });
});
