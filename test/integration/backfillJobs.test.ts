import { expect } from 'chai';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { ApiProcess, apiSection, tokenEnv } from './helpers/api.js';
import { startCli, type CliProcess } from './helpers/cli.js';
import { databaseUrl, openWorkspaceDatabase, seedFleet, type Fleet } from './helpers/fleet.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './helpers/postgres.js';
import { waitFor } from './helpers/wait.js';
import { Workspace } from './helpers/workspace.js';

const INTERVAL_MS = 30_000;

/** The part of a backfill job (GET /api/v1/backfills/{id}) the test reads. */
interface JobView {
  id: string;
  state: string;
  owner: string | null;
  progress: { total: number; planned: number; finished: number; etaSeconds: number | null };
  startedAt: string | null;
  endedAt: string | null;
}

/**
 * Backfill jobs end to end (issue 13): started over the API, run by the scheduler, the scheduler killed with
 * SIGKILL halfway and restarted: the job resumes and finishes with every window of the range run exactly
 * once; and live windows, queued every interval meanwhile, never wait longer than one interval for an
 * executor although a ~2,000-window backfill holds part of the executors' capacity.
 */
function describeBackfillJobs(
  label: string,
  provision: (workspace: Workspace) => Promise<{ database: string; cleanup(): Promise<void> }>,
): void {
  describe(`backfill jobs on ${label} (real api, scheduler killed and restarted, executors)`, function () {
    this.timeout(600_000);
    let workspace: Workspace;
    let database: { database: string; cleanup(): Promise<void> };
    let api: ApiProcess | undefined;
    let db: Database | undefined;
    const processes: CliProcess[] = [];

    afterEach(async () => {
      processes.splice(0).forEach((p) => p.kill());
      api?.stop();
      await db?.close();
      await database.cleanup();
      workspace.remove();
    });

    it('resumes a job after kill -9 of its scheduler, runs every window once, and keeps live windows within one interval', async () => {
      workspace = new Workspace('backfill-jobs');
      database = await provision(workspace);
      // 14 models with history (the backfill's range) and 3 with data around now (their live windows succeed).
      const history: Fleet = await seedFleet(database.database, { models: 14, tagsPerModel: 3, project: 'history' });
      await seedFleet(database.database, {
        models: 3,
        tagsPerModel: 3,
        project: 'live',
        startMs: Date.now() - 2 * 3_600_000 - 10 * 60_000,
      });
      const config = workspace.writeConfig(
        workspace.testConfig({
          database: { url: databaseUrl(database.database) },
          scheduler: {
            interval: '30s',
            catch_up_horizon: 0,
            poll_interval: '1s',
            backfill: { executor_share: 0.5, poll_interval: '100ms', lease: '20s' },
          },
          executor: { concurrency: 8, task_timeout: '60s', shutdown_grace: '5s', retry: { initial_interval: 50, maximum_attempts: 3 } },
          task_queue: { type: 'embedded', visibility_timeout: '120s', poll_interval: 25 },
          api: apiSection(),
        }),
      );
      api = await ApiProcess.start(config, workspace.dir);
      const start = (...args: string[]) => {
        const p = startCli(['--config', config, ...args], { cwd: workspace.dir, env: tokenEnv });
        processes.push(p);
        return p;
      };
      start('executor', '--name', 'executor-1');
      start('executor', '--name', 'executor-2');
      const scheduler = start('scheduler', '--name', 'scheduler-1');
      db = await openWorkspaceDatabase(database.database);
      // Raw driver queries: PostgreSQL numbers its placeholders.
      const query = <R>(sql: string, params: unknown[] = []) => {
        let n = 0;
        return db!.dataSource.query<R[]>(db!.dialect === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql, params);
      };
      const count = async (sql: string, params: unknown[] = []) => Number((await query<{ n: unknown }>(sql, params))[0]!.n);
      const output = () => processes.map((p) => `${p.child.spawnargs.slice(-3).join(' ')}:\n${p.stderr.slice(-1500)}`).join('\n');

      // 17 models x 120 windows of 30 s in the history's prediction hour; paced to at most 2,400 a minute so
      // it spans several live ticks however fast the executors are.
      const from = new Date(history.predictionRange.fromMs).toISOString();
      const to = new Date(history.predictionRange.toMs).toISOString();
      const created = await api.request('POST', '/api/v1/backfills', { as: 'operator', body: { from, to, windowsPerMinute: 2400 } });
      expect(created.status, JSON.stringify(created.body)).to.equal(202);
      const id = (created.body as JobView).id;
      const total = 17 * (3_600_000 / INTERVAL_MS);

      // A second job over part of the range, for one of its models, is refused naming the first.
      const halfHour = new Date(history.predictionRange.fromMs + 1_800_000).toISOString();
      const again = await api.request('POST', '/api/v1/backfills', {
        as: 'operator',
        body: { from: halfHour, to, models: ['history/model-0003'] },
      });
      expect(again.status, JSON.stringify(again.body)).to.equal(409);
      expect((again.body as { detail: string }).detail).to.contain(id);

      const job = async () => (await api!.request('GET', `/api/v1/backfills/${id}`)).body as JobView;
      await waitFor(async () => (await job()).progress.finished >= total / 2, {
        describe: () => `half of the backfill finished\n${output()}`,
        progress: { done: async () => (await job()).progress.finished, total, stallMs: 120_000 },
      });
      const halfway = await job();
      expect(halfway.state).to.equal('running');
      expect(halfway.owner).to.equal('scheduler-1');
      expect(halfway.progress.total).to.equal(total);
      expect(halfway.progress.etaSeconds).to.be.a('number');

      scheduler.child.kill('SIGKILL');
      await scheduler.exited;
      start('scheduler', '--name', 'scheduler-1'); // the same name: it resumes its own claim at once
      await waitFor(async () => (await job()).state === 'finished', {
        describe: () => `the job to finish after the restart: ${JSON.stringify(halfway.progress)}\n${output()}`,
        progress: { done: async () => (await job()).progress.finished, total, stallMs: 120_000 },
      });
      const done = await job();
      expect(done.progress).to.include({ total, finished: total });

      // Every window of the range exactly once: one ledger row each, finished, run by one attempt.
      const range = [history.predictionRange.fromMs, history.predictionRange.toMs];
      expect(await count(`SELECT COUNT(*) AS n FROM prediction_window WHERE from_ms >= ? AND to_ms <= ?`, range)).to.equal(total);
      expect(
        await count(
          `SELECT COUNT(*) AS n FROM prediction_window WHERE from_ms >= ? AND to_ms <= ? AND state IN ('succeeded', 'insufficient_data')`,
          range,
        ),
      ).to.equal(total);
      expect(
        await count(`SELECT COUNT(*) AS n FROM prediction_window WHERE from_ms >= ? AND to_ms <= ? AND attempts <> 1`, range),
      ).to.equal(0);
      const rowsWritten = await count(
        `SELECT COALESCE(SUM(rows_written), 0) AS n FROM prediction_window WHERE from_ms >= ? AND to_ms <= ? AND state = 'succeeded'`,
        range,
      );
      expect(rowsWritten, 'history windows predicted').to.be.greaterThan(0);
      expect(await count(`SELECT COUNT(*) AS n FROM prediction WHERE time_ms >= ? AND time_ms < ?`, range)).to.equal(rowsWritten);

      // Live windows queued while the job ran waited at most one interval for an executor to finish them.
      const startedAt = Date.parse(done.startedAt!);
      const endedAt = Date.parse(done.endedAt!);
      const live = await query<{ wait: unknown }>(
        `SELECT finished_at - enqueued_at AS wait FROM prediction_window
         WHERE origin = 'schedule' AND enqueued_at >= ? AND enqueued_at <= ? AND finished_at IS NOT NULL`,
        [startedAt, endedAt],
      );
      expect(live.length, 'live windows were queued while the backfill ran').to.be.greaterThan(0);
      const worst = Math.max(...live.map((r) => Number(r.wait)));
      expect(worst, `the longest live window wait of ${live.length}`).to.be.at.most(INTERVAL_MS);
    });
  });
}

describeBackfillJobs('SQLite', async (workspace) => ({ database: workspace.databasePath, cleanup: async () => {} }));
describeBackfillJobs('PostgreSQL', async () => {
  const throwaway: ThrowawayDatabase = await createThrowawayDatabase();
  return { database: throwaway.url, cleanup: () => throwaway.drop() };
});
