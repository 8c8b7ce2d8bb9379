import { expect } from 'chai';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { SqlClient } from '../../src/persistence/sql/SqlClient.js';
import { WebhookReceiver, type ReceivedRequest } from '../servers/webhookReceiver.js';
import { ApiProcess, apiSection, OpenApiChecker, tokenEnv, type RequestOptions } from './helpers/api.js';
import { startCli, type CliProcess } from './helpers/cli.js';
import { databaseUrl, openWorkspaceDatabase, seedFleet } from './helpers/fleet.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './helpers/postgres.js';
import { waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const STALL_GUARD_MS = 240_000;
const bodyOf = (r: ReceivedRequest) => JSON.parse(r.body) as Record<string, unknown> & { data: Record<string, unknown> };
const typeOf = (r: ReceivedRequest) => r.headers['x-latigo-event'];
/** An API response's JSON body, as the test reads it. */
const json = (response: { body: unknown }) => response.body as Record<string, unknown> & { items: unknown[] };

/**
 * `result` outputs and the watched events (issue 19) against the real api and executor processes: an
 * on-demand run naming an output gets its outcome delivered once it finished, `meta` echoed (after a 500);
 * a model turning fresh then stale, and an executor killed and started again, reach an `event` output once each.
 */
function describeOutputResults(label: string, provision: () => Promise<{ database: string; cleanup(): Promise<void> }>): void {
  describe(`outputs on ${label}: run results and stale/fresh/lost events at real receivers, real api and executor`, function () {
    this.timeout(STALL_GUARD_MS * 2);
    let workspace: Workspace;
    let database: { database: string; cleanup(): Promise<void> };
    let api: ApiProcess;
    let openapi: OpenApiChecker;
    let db: Database;
    let config: string;
    let results: WebhookReceiver;
    let events: WebhookReceiver;
    const executors: CliProcess[] = [];
    const call = async (method: string, path: string, options: RequestOptions = {}) => {
      const response = await api.request(method, path, { as: 'admin', ...options });
      openapi.check(method, path, response);
      return response;
    };
    const startExecutor = () => {
      const executor = startCli(['--config', config, 'executor', '--name', 'executor-1'], { cwd: workspace.dir, env: tokenEnv });
      executors.push(executor);
      return executor;
    };
    const watched = async (key: string): Promise<string | undefined> =>
      (await new SqlClient(db).query<{ state: string }>(`SELECT state FROM watch_state WHERE key = ?`, [key]))[0]?.state;
    const received = (type: string, model: string) =>
      events.accepted().filter((r) => typeOf(r) === type && (bodyOf(r).model as string) === model);
    const progress = () =>
      `events: ${events.requests.map((r) => `${String(typeOf(r))} ${String(bodyOf(r).model)}`).join(', ')}; results: ${results.requests.length}\n` +
      `${api.process.stderr.slice(-1500)}${executors.map((e) => e.stderr.slice(-1000)).join('\n')}`;

    before(async () => {
      workspace = new Workspace('output-results');
      database = await provision();
      await seedFleet(database.database, { models: 2, tagsPerModel: 3 });
      // The receiver of run results fails its first request with 500; the events' receiver takes everything.
      results = await WebhookReceiver.start((_r, n) => (n === 1 ? { status: 500, body: 'not yet' } : { status: 200 }));
      events = await WebhookReceiver.start(() => ({ status: 202 }));
      config = workspace.writeConfig(
        workspace.testConfig({
          database: { url: databaseUrl(database.database) },
          // Windows of 20 s and no scheduler: windows come from the run only, so the model turns stale again.
          scheduler: { start_time: '2020-01-01T00:00:00', interval: '20s', delay: 0, catch_up_horizon: 0 },
          slo: { max_staleness: '60s' },
          api: apiSection({ catalog_cache: 0 }),
          outputs: {
            allowed_hosts: ['127.0.0.1'],
            poll_interval: 100,
            watch_interval: 200,
            retry: { initial_interval: 100, maximum_interval: 1_000, maximum_attempts: 10 },
            definitions: [
              {
                id: 'forecast-results',
                kind: 'result',
                url: `${results.url}/results`,
                params: { runId: '${run.id}' },
                // Enodo's forecast response payload, with the optional error.
                payload: '{"run": ${run.id}, "meta": ${run.meta}, "state": ${response.state}, ${?response.error,error}}',
              },
              {
                id: 'ops',
                url: `${events.url}/events`,
                filter: { events: ['model', 'executor'], models: ['fleet/model-0000', '/executor-1'] },
              },
            ],
          },
        }),
      );
      api = await ApiProcess.start(config, workspace.dir);
      openapi = new OpenApiChecker((await api.request('GET', '/api/openapi.json', { as: null })).body);
      db = await openWorkspaceDatabase(database.database);
      startExecutor();
    });

    after(async () => {
      api?.stop();
      executors.forEach((e) => e.kill());
      await results?.close();
      await events?.close();
      await db?.close();
      await database?.cleanup();
      workspace?.remove();
    });

    it('refuses a run naming an output that is unknown, not of kind result, or named twice, with the field', async () => {
      const run = (body: Record<string, unknown>) =>
        call('POST', '/api/v1/models/fleet/model-0001/runs', { as: 'operator', body: { last: '1m', ...body } });
      const unknown = await run({ output: 'nowhere' });
      expect(unknown.status).to.equal(422);
      expect(unknown.body).to.include({ field: 'body.output' });
      expect(json(unknown).detail).to.contain('no output "nowhere"');
      const eventKind = await run({ responseOutputID: 'ops' });
      expect(eventKind.status).to.equal(422);
      expect(eventKind.body).to.include({ field: 'body.responseOutputID' });
      expect(json(eventKind).detail).to.contain('of kind event, not result');
      const both = await run({ output: 'forecast-results', responseOutputID: 'forecast-results' });
      expect(both.status).to.equal(400);
      expect(both.body).to.include({ field: 'body.responseOutputID' });
    });

    it('delivers the outcome of a run naming a result output once it finished, meta echoed, after a 500; the model turns fresh', async () => {
      // The watch has seen the model stale (nothing ran yet) and the executor live before anything changes.
      await waitFor(
        async () => (await watched('model:fleet/model-0000')) === 'stale' && (await watched('executor:executor-1')) === 'live',
        {
          timeoutMs: STALL_GUARD_MS,
          describe: progress,
        },
      );
      const meta = { ticket: 'OPS-7', note: 'a "quoted" \\ value ✓' };
      const created = await call('POST', '/api/v1/models/fleet/model-0000/runs', {
        as: 'operator',
        body: { last: '1m', output: 'forecast-results', meta },
      });
      expect(created.status, JSON.stringify(created.body)).to.equal(202);
      expect(json(created).output).to.equal('forecast-results');
      const runId = json(created).id as string;

      await waitFor(() => results.accepted().length > 0, { timeoutMs: STALL_GUARD_MS, describe: progress });
      const run = await call('GET', `/api/v1/runs/${runId}`);
      expect(json(run).state).to.equal('finished');
      expect(json(run).output).to.equal('forecast-results');
      const [failed, delivered] = results.requests;
      expect(failed!.status).to.equal(500);
      expect(delivered!.headers['x-latigo-delivery']).to.equal(failed!.headers['x-latigo-delivery']);
      expect(typeOf(delivered!)).to.equal('run.finished');
      expect(new URL(delivered!.url, results.url).searchParams.get('runId')).to.equal(runId);
      // No window went dead: the optional error is left out.
      expect(JSON.parse(delivered!.body)).to.deep.equal({ run: runId, meta, state: 'finished' });

      await waitFor(() => received('model.fresh', 'model-0000').length > 0, { timeoutMs: STALL_GUARD_MS, describe: progress });
      const fresh = bodyOf(received('model.fresh', 'model-0000')[0]!);
      expect(fresh).to.include({ type: 'model.fresh', project: 'fleet', model: 'model-0000' });
      expect(fresh.data).to.include({ state: 'fresh', maxStalenessMs: 60_000 });
      expect(Date.parse(fresh.data.lastFinishedTo as string)).to.be.at.most(Date.now());
      const deliveries = await call('GET', '/api/v1/outputs/forecast-results/deliveries');
      expect(deliveries.status).to.equal(200);
      expect(json(deliveries).items).to.have.length(1);
    });

    it('tells an event output once that an executor was lost (killed) and once that it is back', async () => {
      executors[0]!.kill();
      await waitFor(() => received('executor.lost', 'executor-1').length > 0, { timeoutMs: STALL_GUARD_MS, describe: progress });
      const lost = bodyOf(received('executor.lost', 'executor-1')[0]!);
      expect(lost).to.include({ project: '', model: 'executor-1' });
      expect(lost.data).to.include({ state: 'lost', name: 'executor-1' });
      startExecutor();
      await waitFor(() => received('executor.live', 'executor-1').length > 0, { timeoutMs: STALL_GUARD_MS, describe: progress });
      expect(received('executor.lost', 'executor-1')).to.have.length(1);
    });

    it('tells it once that the model, with no window run since, turned stale again', async () => {
      await waitFor(() => received('model.stale', 'model-0000').length > 0, { timeoutMs: STALL_GUARD_MS, describe: progress });
      const stale = bodyOf(received('model.stale', 'model-0000')[0]!);
      expect(stale.data.state).to.equal('stale');
      expect(stale.data.stalenessMs).to.be.above(60_000);
      // Once each: the api's passes after the change append nothing more.
      await waitFor(async () => (await watched('model:fleet/model-0000')) === 'stale', { timeoutMs: STALL_GUARD_MS, describe: progress });
      expect(received('model.fresh', 'model-0000')).to.have.length(1);
      expect(received('model.stale', 'model-0000')).to.have.length(1);
      // The other model is not in the output's filter.
      expect(events.requests.filter((r) => bodyOf(r).model === 'model-0001')).to.deep.equal([]);
    });
  });
}

describeOutputResults('SQLite', async () => {
  const workspace = new Workspace('output-results-db');
  return { database: workspace.databasePath, cleanup: async () => workspace.remove() };
});
describeOutputResults('PostgreSQL', async () => {
  const throwaway: ThrowawayDatabase = await createThrowawayDatabase();
  return { database: throwaway.url, cleanup: () => throwaway.drop() };
});
