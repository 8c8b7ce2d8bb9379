import { expect } from 'chai';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import {
  ApiProcess,
  apiSection,
  OpenApiChecker,
  testTokens,
  tokenEnv,
  type ApiResponse,
  type RequestOptions,
  type TestRole,
} from './helpers/api.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { databaseUrl, openWorkspaceDatabase, seedFleet, sendTaskMessages, type Fleet } from './helpers/fleet.js';
import { newTask } from '../../src/domain/Task.js';
import { encodeTask } from '../../src/domain/taskCodec.js';
import { SqlClient } from '../../src/persistence/sql/SqlClient.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './helpers/postgres.js';
import { waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const INTERVAL_MS = 10 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Every route of the API with the least role it needs and a request that role may make. */
const routes: { method: string; path: string; role: TestRole; body?: unknown }[] = [
  { method: 'GET', path: '/api/v1/models', role: 'viewer' },
  { method: 'GET', path: '/api/v1/models/fleet/model-0000', role: 'viewer' },
  { method: 'GET', path: '/api/v1/models/fleet/model-0000/windows', role: 'viewer' },
  { method: 'GET', path: '/api/v1/models/fleet/model-0000/predictions?from=2025-01-01T02:00:00Z&to=2025-01-01T03:00:00Z', role: 'viewer' },
  { method: 'GET', path: '/api/v1/models/fleet/model-0000/sensor-data?from=2025-01-01T02:00:00Z&to=2025-01-01T02:10:00Z', role: 'viewer' },
  {
    method: 'POST',
    path: '/api/v1/models/fleet/model-0001/runs',
    role: 'operator',
    body: { from: '2025-01-01T02:00:00Z', to: '2025-01-01T02:20:00Z' },
  },
  { method: 'GET', path: '/api/v1/runs/00000000-0000-4000-8000-000000000000', role: 'viewer' },
  { method: 'GET', path: '/api/v1/dead-letters', role: 'viewer' },
  { method: 'POST', path: '/api/v1/dead-letters/redrive', role: 'operator', body: { ids: ['no-such-message'] } },
  { method: 'GET', path: '/api/v1/queue', role: 'viewer' },
  { method: 'GET', path: '/api/v1/freshness', role: 'viewer' },
  { method: 'GET', path: '/api/v1/executors', role: 'viewer' },
  { method: 'GET', path: '/api/v1/session', role: 'viewer' },
  { method: 'GET', path: '/api/v1/model-table', role: 'viewer' },
];

/** Bad input per route, each answered 400 with a problem naming the field. */
const badRequests: { method: string; path: string; body?: unknown; field: string }[] = [
  { method: 'GET', path: '/api/v1/models?limit=0', field: 'query.limit' },
  { method: 'GET', path: '/api/v1/models?limit=51', field: 'query.limit' },
  { method: 'GET', path: '/api/v1/models?cursor=not-a-cursor', field: 'query.cursor' },
  { method: 'GET', path: '/api/v1/models?colour=red', field: 'query.colour' },
  { method: 'GET', path: '/api/v1/models/fleet/model-0000/windows?state=sleeping', field: 'query.state.0' },
  { method: 'GET', path: '/api/v1/models/fleet/model-0000/windows?from=yesterday', field: 'query.from' },
  { method: 'GET', path: '/api/v1/models/fleet/model-0000/predictions?to=2025-01-01T03:00:00Z', field: 'query.from' },
  {
    method: 'GET',
    path: '/api/v1/models/fleet/model-0000/predictions?from=2025-01-01T03:00:00Z&to=2025-01-01T02:00:00Z',
    field: 'query.to',
  },
  {
    method: 'GET',
    path: '/api/v1/models/fleet/model-0000/predictions?from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z',
    field: 'query.to',
  },
  {
    method: 'GET',
    path: '/api/v1/models/fleet/model-0000/predictions?from=2025-01-01T00:00:00Z&to=2025-01-01T01:00:00Z&fields=scores',
    field: 'query.fields',
  },
  {
    method: 'GET',
    path: '/api/v1/models/fleet/model-0000/sensor-data?from=2025-01-01T00:00:00&to=2025-01-01T01:00:00Z',
    field: 'query.from',
  },
  {
    method: 'GET',
    path: '/api/v1/models/fleet/model-0000/sensor-data?from=2025-01-01T00:00:00Z&to=2025-01-01T01:00:00Z&resolution=fast',
    field: 'query.resolution',
  },
  { method: 'POST', path: '/api/v1/models/fleet/model-0000/runs', body: {}, field: 'body.from' },
  { method: 'POST', path: '/api/v1/models/fleet/model-0000/runs', body: { from: '2025-01-01T02:00:00Z' }, field: 'body.to' },
  { method: 'POST', path: '/api/v1/models/fleet/model-0000/runs', body: { last: 'a while' }, field: 'body.last' },
  { method: 'POST', path: '/api/v1/models/fleet/model-0000/runs', body: { last: '1h', rerun: 'yes' }, field: 'body.rerun' },
  { method: 'POST', path: '/api/v1/models/fleet/model-0000/runs', body: { last: '1h', colour: 'red' }, field: 'body.colour' },
  {
    method: 'POST',
    path: '/api/v1/models/fleet/model-0000/runs',
    body: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    field: 'body.to',
  },
  { method: 'GET', path: '/api/v1/runs/not-a-uuid', field: 'params.id' },
  { method: 'GET', path: '/api/v1/dead-letters?limit=-1', field: 'query.limit' },
  { method: 'POST', path: '/api/v1/dead-letters/redrive', body: { ids: [] }, field: 'body.ids' },
  { method: 'POST', path: '/api/v1/dead-letters/redrive', body: { all: false }, field: 'body.all' },
  { method: 'GET', path: '/api/v1/freshness?project=', field: 'query.project' },
  { method: 'GET', path: '/api/v1/executors?state=asleep', field: 'query.state' },
];

function describeServiceApi(
  label: string,
  provision: (workspace: Workspace) => Promise<{ database: string; cleanup(): Promise<void> }>,
): void {
  describe(`service API on ${label} (real latigo api, scheduler and executors over HTTP)`, function () {
    this.timeout(180_000);
    let workspace: Workspace;
    let database: { database: string; cleanup(): Promise<void> };
    let fleet: Fleet;
    let api: ApiProcess;
    let openapi: OpenApiChecker;
    let db: Database;
    let configPath: string;
    const processes: CliProcess[] = [];

    /** A request whose response is checked against the OpenAPI document before the test looks at it. */
    const call = async (method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> => {
      const response = await api.request(method, path, options);
      openapi.check(method, path, response);
      return response;
    };
    const processOutput = () =>
      processes
        .map(
          (p) => `${p.child.spawnargs.slice(-3).join(' ')} (exit ${p.child.exitCode}):\n${p.stderr.slice(-1500)}${p.stdout.slice(-1500)}`,
        )
        .join('\n');
    const count = async (sql: string, params: unknown[] = []): Promise<number> =>
      Number((await db.dataSource.query<{ n: unknown }[]>(sql, params))[0]!.n);
    const expectProblem = (response: ApiResponse, status: number, field?: string) => {
      expect(response.status, JSON.stringify(response.body)).to.equal(status);
      expect(response.contentType).to.match(/^application\/problem\+json/);
      expect(response.body.status).to.equal(status);
      expect(response.body.detail)
        .to.be.a('string')
        .and.not.match(/\n\s+at /); // no stack trace
      if (field !== undefined) expect(response.body.field, response.body.detail).to.equal(field);
    };

    before(async function () {
      workspace = new Workspace('api');
      database = await provision(workspace);
      fleet = await seedFleet(database.database, { models: 3, tagsPerModel: 3 });
      const config = (configPath = workspace.writeConfig(
        workspace.testConfig({
          database: { url: databaseUrl(database.database) },
          scheduler: { interval: '10m', catch_up_horizon: 0 },
          api: apiSection(),
        }),
      ));
      // The api first: it applies the migrations, which processes starting at once would race to apply.
      api = await ApiProcess.start(config, workspace.dir);
      for (const args of [['scheduler'], ['executor', '--name', 'executor-1'], ['executor', '--name', 'executor-2']]) {
        // Every process reads the whole configuration, api.tokens' variables included.
        processes.push(startCli(['--config', config, ...args], { cwd: workspace.dir, env: tokenEnv }));
      }
      const document = await api.request('GET', '/api/openapi.json', { as: null });
      expect(document.status).to.equal(200);
      openapi = new OpenApiChecker(document.body);
      db = await openWorkspaceDatabase(database.database);
    });

    after(async () => {
      api?.stop();
      processes.splice(0).forEach((p) => p.kill());
      await db?.close();
      await database?.cleanup();
      workspace?.remove();
    });

    it('serves its OpenAPI 3 document with every route, and Swagger UI at /api/docs', async () => {
      expect(openapi.document.openapi).to.match(/^3\./);
      for (const route of routes) {
        const template = openapi.templateOf(route.path);
        expect(template, `${route.method} ${route.path} documented`).to.be.a('string');
        expect(openapi.document.paths[template!][route.method.toLowerCase()], `${route.method} ${template}`).to.be.an('object');
      }
      const docs = await api.request('GET', '/api/docs', { as: null });
      expect(docs.status).to.equal(200);
      expect(docs.body).to.contain('swagger');
    });

    it('serves /healthz, /readyz and /metrics without a token', async () => {
      expect((await call('GET', '/healthz', { as: null })).body).to.deep.equal({ status: 'ok' });
      const ready = await call('GET', '/readyz', { as: null });
      expect(ready.status).to.equal(200);
      expect(ready.body.checks.database).to.equal('ok');
      const metrics = await api.request('GET', '/metrics', { as: null });
      expect(metrics.status).to.equal(200);
      expect(metrics.body).to.contain('latigo_model_stale');
    });

    it('answers 401 without a token or with a wrong one, and 403 to a role that may not, on every route', async () => {
      for (const route of routes) {
        const options = route.body === undefined ? {} : { body: route.body };
        expectProblem(await call(route.method, route.path, { ...options, as: null }), 401, 'header.authorization');
        expectProblem(
          await call(route.method, route.path, { ...options, authorization: 'Bearer wrong-token-0123456789abcdef' }),
          401,
          'header.authorization',
        );
        expectProblem(await call(route.method, route.path, { ...options, authorization: 'Digest abc' }), 401, 'header.authorization');
        if (route.role !== 'viewer') {
          const denied = await call(route.method, route.path, { ...options, as: 'viewer' });
          expectProblem(denied, 403, 'header.authorization');
          expect(denied.body.detail).to.contain('viewer-client').and.not.contain('viewer-token');
        }
        const allowed = await call(route.method, route.path, { ...options, as: route.role });
        expect(allowed.status, `${route.method} ${route.path} as ${route.role}: ${JSON.stringify(allowed.body)}`).to.not.be.oneOf([
          401, 403,
        ]);
      }
      // HTTP Basic with the token as password, as Enodo's clients send it.
      expect((await call('GET', '/api/v1/models', { as: 'viewer', basic: true })).status).to.equal(200);
      expect(
        (await call('POST', '/api/v1/models/fleet/model-0001/runs', { as: 'admin', basic: true, body: { last: '1h' } })).status,
      ).to.equal(202);
    });

    it('answers bad input on every route with a problem document naming the field', async () => {
      for (const bad of badRequests) {
        const response = await call(bad.method, bad.path, { as: 'operator', ...(bad.body === undefined ? {} : { body: bad.body }) });
        expectProblem(response, 400, bad.field);
      }
      expectProblem(await call('GET', '/api/v1/models/fleet/no-such-model', {}), 404, 'params.model');
      expectProblem(await call('GET', '/api/v1/models/fleet/no-such-model/windows', {}), 404, 'params.model');
      expectProblem(
        await call('POST', '/api/v1/models/fleet/no-such-model/runs', { as: 'operator', body: { last: '1h' } }),
        404,
        'params.model',
      );
      expectProblem(await call('GET', '/api/v1/runs/00000000-0000-4000-8000-000000000000'), 404, 'params.id');
      // A range before the model's first tick holds no window: nothing to run.
      expectProblem(
        await call('POST', '/api/v1/models/fleet/model-0000/runs', {
          as: 'operator',
          body: { from: '2025-01-01T00:00:00Z', to: '2025-01-01T00:05:00Z' },
        }),
        422,
        'body.to',
      );
      expectProblem(await call('POST', '/api/v1/models/fleet/model-0000/runs', { as: 'operator', rawBody: '{"from": ' }), 400, 'body');
      const oversized = await api.requestDeclaringBody('POST', '/api/v1/models/fleet/model-0000/runs', 2 * 1024 * 1024, 'operator');
      openapi.check('POST', '/api/v1/models/fleet/model-0000/runs', oversized);
      expectProblem(oversized, 413, 'body');
      expectProblem(await api.request('GET', '/api/v1/nothing-here'), 404);
    });

    it('runs 6 windows on demand through the executors; an identical run adds nothing; rerun recomputes and replaces them', async () => {
      const model = fleet.models[2]!.name;
      const body = { from: iso(fleet.predictionRange.fromMs), to: iso(fleet.predictionRange.toMs), meta: { ticket: 'OPS-1' } };
      const created = await call('POST', `/api/v1/models/fleet/${model}/runs`, { as: 'operator', body });
      expect(created.status).to.equal(202);
      expect(created.body).to.include({ windows: 6, queued: 6, rerun: false, requestedBy: 'operator-client' });
      expect(created.body.meta).to.deep.equal({ ticket: 'OPS-1' });
      expect(created.headers.get('location')).to.equal(`/api/v1/runs/${created.body.id}`);
      const finished = async (id: string) => {
        let last: ApiResponse | undefined;
        await waitFor(
          async () => {
            last = await call('GET', `/api/v1/runs/${id}`);
            return last.body.state === 'finished';
          },
          { timeoutMs: 60_000, intervalMs: 200, describe: () => `run ${id} to finish: ${JSON.stringify(last?.body)}\n${processOutput()}` },
        );
        return last!;
      };
      const run = await finished(created.body.id);
      expect(run.body.windowsByState.succeeded).to.equal(6);

      const rowsPerWindow = INTERVAL_MS / fleet.resolutionMs;
      // The live scheduler adds a window at each tick: only the run's range is compared.
      const inRange = `from_ms >= ${fleet.predictionRange.fromMs} AND to_ms <= ${fleet.predictionRange.toMs}`;
      const predictions = await call('GET', run.body.links.predictions);
      expect(predictions.status, JSON.stringify(predictions.body)).to.equal(200);
      expect(predictions.body.items).to.have.length(6 * rowsPerWindow > 50 ? 50 : 6 * rowsPerWindow);
      expect(predictions.body.tags).to.have.length(3);
      expect(Object.keys(predictions.body.items[0].contributions)).to.deep.equal(predictions.body.tags);
      const windowsBefore = await count(`SELECT COUNT(*) AS n FROM prediction_window WHERE model = '${model}' AND ${inRange}`);
      const runsBefore = await count(
        `SELECT COUNT(*) AS n FROM task_run r JOIN prediction_window w ON w.task_id = r.task_id WHERE w.model = '${model}' AND w.${inRange}`,
      );

      const again = await call('POST', `/api/v1/models/fleet/${model}/runs`, { as: 'operator', body });
      expect(again.body).to.include({ windows: 6, queued: 0 });
      expect((await finished(again.body.id)).body.windowsByState.succeeded).to.equal(6);
      expect(await count(`SELECT COUNT(*) AS n FROM prediction_window WHERE model = '${model}' AND ${inRange}`)).to.equal(windowsBefore);
      expect(
        await count(
          `SELECT COUNT(*) AS n FROM task_run r JOIN prediction_window w ON w.task_id = r.task_id WHERE w.model = '${model}' AND w.${inRange}`,
        ),
      ).to.equal(runsBefore);

      const succeededRuns = () =>
        count(
          `SELECT COUNT(*) AS n FROM task_run r JOIN prediction_window w ON w.task_id = r.task_id WHERE w.model = '${model}' AND w.${inRange} AND r.status = 'succeeded'`,
        );
      const succeededBefore = await succeededRuns();
      const rerun = await call('POST', `/api/v1/models/fleet/${model}/runs`, { as: 'operator', body: { ...body, rerun: true } });
      expect(rerun.body).to.include({ windows: 6, queued: 6, rerun: true });
      let succeededAfter = 0;
      await waitFor(async () => (succeededAfter = await succeededRuns()) === succeededBefore + 6, {
        timeoutMs: 60_000,
        intervalMs: 200,
        describe: () => `the 6 windows to run again (succeeded runs ${succeededBefore} -> ${succeededAfter})\n${processOutput()}`,
      });
      expect((await finished(rerun.body.id)).body.windowsByState.succeeded).to.equal(6);
      expect(await count(`SELECT COUNT(*) AS n FROM prediction_window WHERE model = '${model}' AND ${inRange}`)).to.equal(windowsBefore);
      const all = await call('GET', `${run.body.links.predictions}&limit=10000`);
      expect(all.body.items).to.have.length(6 * rowsPerWindow); // replaced, not doubled
    });

    it("serves predictions as columns (format=columns): its documented schema holds, and the values are the row form's", async () => {
      const model = fleet.models[0]!.name;
      const from = iso(fleet.predictionRange.fromMs);
      const to = iso(fleet.predictionRange.fromMs + 2 * INTERVAL_MS);
      const created = await call('POST', `/api/v1/models/fleet/${model}/runs`, { as: 'operator', body: { from, to } });
      expect(created.status, JSON.stringify(created.body)).to.equal(202);
      let run: ApiResponse | undefined;
      await waitFor(async () => (run = await call('GET', `/api/v1/runs/${created.body.id}`)).body.state === 'finished', {
        timeoutMs: 120_000,
        intervalMs: 200,
        describe: () => `run ${created.body.id} to finish: ${JSON.stringify(run?.body)}\n${processOutput()}`,
      });
      expect(run!.body.windowsByState.succeeded).to.equal(2);

      // The documented schema of the columns form, under its own media type.
      const columnsType = 'application/vnd.latigo.prediction-columns+json';
      const template = '/api/v1/models/{project}/{model}/predictions';
      const documented = openapi.document.paths[template].get.responses['200'].content[columnsType].schema;
      expect(documented.required).to.include.members(['project', 'model', 'tags', 'time', 'totalAnomaly', 'threshold', 'isAnomaly']);
      expect(Object.keys(documented.properties)).to.include.members(['outputs', 'contributions', 'next']);

      // Two pages each way (20 rows, 11 a page): every columns response is checked against that schema by call().
      const rowsPerWindow = INTERVAL_MS / fleet.resolutionMs;
      const path = `/api/v1/models/fleet/${model}/predictions?from=${from}&to=${to}&limit=${rowsPerWindow + 1}`;
      const pages = async (format: string) => {
        const bodies: any[] = [];
        for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
          const response = await call('GET', `${path}${format}${cursor === undefined ? '' : `&cursor=${cursor}`}`);
          expect(response.status, JSON.stringify(response.body)).to.equal(200);
          expect(response.contentType).to.match(
            format === '' ? /^application\/json/ : /^application\/vnd\.latigo\.prediction-columns\+json/,
          );
          bodies.push(response.body);
          cursor = response.body.next;
        }
        return bodies;
      };
      const rowPages = await pages('');
      const columnPages = await pages('&format=columns');
      expect(columnPages).to.have.length(2);
      expect(rowPages.map((p) => p.items.length)).to.deep.equal([rowsPerWindow + 1, rowsPerWindow - 1]);
      columnPages.forEach((columns, i) => {
        const rows = rowPages[i];
        const at = `page ${i + 1}`;
        expect({ project: columns.project, model: columns.model, revision: columns.revision, tags: columns.tags }, at).to.deep.equal({
          project: rows.project,
          model: rows.model,
          revision: rows.revision,
          tags: rows.tags,
        });
        expect(columns.tags, at).to.have.length(3);
        expect(columns.time, at).to.deep.equal(rows.items.map((r: any) => r.time));
        for (const field of ['totalAnomaly', 'threshold', 'isAnomaly'])
          expect(columns[field], `${at} ${field}`).to.deep.equal(rows.items.map((r: any) => r[field]));
        for (const field of ['outputs', 'contributions']) {
          expect(columns[field], `${at} ${field}`).to.have.length(columns.tags.length);
          columns.tags.forEach((tag: string, t: number) =>
            expect(columns[field][t], `${at} ${field} of ${tag}`).to.deep.equal(rows.items.map((r: any) => r[field][tag])),
          );
        }
        expect(columns.next, at).to.equal(rows.next);
      });
      expect(
        columnPages[0].outputs[0].some((v: unknown) => typeof v === 'number'),
        'predicted outputs, not all null',
      ).to.equal(true);

      // The schema is not vacuous: a columns body with a number for a time fails it.
      const bad = { status: 200, contentType: columnsType, headers: new Headers(), body: { ...columnPages[0], time: [1] } };
      expect(() => openapi.check('GET', path, bad)).to.throw(/does not match its schema/);
      // fields= picks the per-tag columns.
      const outputsOnly = await call('GET', `${path}&format=columns&fields=outputs`);
      expect(outputsOnly.body).to.have.property('outputs').that.deep.equals(columnPages[0].outputs);
      expect(outputsOnly.body).to.not.have.property('contributions');
    });

    it('pages through models, windows and executors with cursors', async () => {
      const names: string[] = [];
      let path: string | undefined = '/api/v1/models?project=fleet';
      let pages = 0;
      while (path !== undefined) {
        const page = await call('GET', path);
        expect(page.body.items.length).to.be.at.most(2);
        names.push(...page.body.items.map((m: { model: string }) => m.model));
        pages++;
        path = page.body.next === undefined ? undefined : `/api/v1/models?project=fleet&cursor=${page.body.next}`;
      }
      expect(pages).to.equal(2);
      expect(names).to.deep.equal(fleet.models.map((m) => m.name));

      const model = fleet.models[1]!.name;
      await call('POST', `/api/v1/models/fleet/${model}/runs`, {
        as: 'operator',
        body: { from: iso(fleet.predictionRange.fromMs), to: iso(fleet.predictionRange.fromMs + 5 * INTERVAL_MS) },
      });
      const starts: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(
          'GET',
          `/api/v1/models/fleet/${model}/windows?from=${iso(fleet.predictionRange.fromMs)}&to=${iso(fleet.predictionRange.toMs)}&limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`,
        );
        starts.push(...page.body.items.map((w: { from: string }) => w.from));
        cursor = page.body.next;
      } while (cursor !== undefined);
      expect(starts).to.deep.equal(Array.from({ length: 5 }, (_, i) => iso(fleet.predictionRange.fromMs + i * INTERVAL_MS)));
      const queuedOnly = await call('GET', `/api/v1/models/fleet/${model}/windows?state=running&state=queued&limit=50`);
      for (const w of queuedOnly.body.items) expect(w.state).to.be.oneOf(['running', 'queued']);

      const executors = await call('GET', '/api/v1/executors?limit=1');
      expect(executors.body.items).to.have.length(1);
      expect(executors.body.next).to.be.a('string');
    });

    it('CLI parity: latigo runs create|show, dead-letters list, executors, and status with freshness and processes', async () => {
      const cli = (args: string[]) => runCli(['--config', configPath, ...args], { cwd: workspace.dir, env: tokenEnv, timeoutMs: 60_000 });
      const model = fleet.models[1]!.name;
      const created = await cli([
        'runs',
        'create',
        `fleet/${model}`,
        '--from',
        iso(fleet.predictionRange.fromMs + 3 * INTERVAL_MS),
        '--to',
        iso(fleet.predictionRange.toMs),
        '--json',
      ]);
      expect(created.code, created.stderr).to.equal(0);
      const run = JSON.parse(created.stdout) as { id: string; windows: number };
      expect(run.windows).to.equal(3);
      let shown = '';
      await waitFor(async () => (shown = (await cli(['runs', 'show', run.id])).stdout).includes('finished'), {
        timeoutMs: 60_000,
        intervalMs: 500,
        describe: () => `run ${run.id} to finish: ${shown}`,
      });
      expect(shown).to.match(/succeeded 3/);
      // The API sees the same run.
      expect((await call('GET', `/api/v1/runs/${run.id}`)).body.windowsByState.succeeded).to.equal(3);
      const bad = await cli(['runs', 'create', 'no-slash', '--last', '1h']);
      expect(bad.code).to.not.equal(0);
      expect(bad.stderr).to.contain('project/model');

      const executors = await cli(['executors']);
      expect(executors.stdout).to.match(/^executor-1 +executor +live /m);
      expect(executors.stdout).to.match(/^scheduler +scheduler +live /m);
      const status = await cli(['status']);
      expect(status.code, status.stderr).to.equal(0);
      expect(status.stdout, status.stdout).to.match(/^freshness +\d+ of 3 models within 1200 s/m); // 2 × interval + delay (0)
      expect(status.stdout).to.match(/^ {2}executor-2 +executor +live/m);
      const letters = await cli(['dead-letters', 'list']);
      expect(letters.code, letters.stderr).to.equal(0);
    });

    it('re-drives dead letters over the API: a dead window is predicted, a malformed message goes back to dead with its reason', async () => {
      const model = fleet.models[0]!;
      const window = { fromMs: fleet.predictionRange.toMs - INTERVAL_MS, toMs: fleet.predictionRange.toMs };
      const task = newTask(fleet.project, model.name, model.revision, window);
      // A window that went dead during an outage: its ledger row and its parked message, as the executor leaves them.
      const sql = new SqlClient(db);
      const now = Date.now();
      await sql.run(
        `INSERT INTO prediction_window (task_id, project, model, revision, from_ms, to_ms, state, origin, attempts, created_at, enqueued_at, finished_at, error_class, error_message)
        VALUES (?, ?, ?, ?, ?, ?, 'dead', 'schedule', 3, ?, ?, ?, 'transient', 'sensor store unreachable')`,
        [task.id, task.project, task.model, task.revision, window.fromMs, window.toMs, now, now, now],
      );
      await sql.run(
        `INSERT INTO queue_message (id, partition_key, body, created_at, visible_at, attempts, dead_at, dead_reason)
        VALUES (?, ?, ?, ?, ?, 3, ?, 'attempts exhausted: sensor store unreachable')`,
        [task.id, `${task.project}/${task.model}`, encodeTask(task), now, now, now],
      );
      // A malformed message, dead-lettered by an executor with its reason.
      await sendTaskMessages(database.database, [{ id: 'malformed-1', body: '{"not": "a task"' }]);
      const letters = async () =>
        (await call('GET', '/api/v1/dead-letters?limit=50')).body.items as {
          id: string;
          reason: string;
          errorClass: string;
          attempts: number;
          task: unknown;
        }[];
      await waitFor(async () => (await letters()).some((l) => l.id === 'malformed-1'), {
        timeoutMs: 20_000,
        describe: () => `the malformed message to be dead\n${processOutput()}`,
      });
      const before = await letters();
      expect(before.find((l) => l.id === 'malformed-1')).to.include({ errorClass: 'malformed' });
      expect(before.find((l) => l.id === task.id)).to.deep.include({
        errorClass: 'exhausted',
        task: { project: task.project, model: task.model, from: iso(window.fromMs), to: iso(window.toMs) },
      });

      const redrive = await call('POST', '/api/v1/dead-letters/redrive', { as: 'operator', body: { all: true } });
      expect(redrive.status).to.equal(200);
      expect(redrive.body.redriven).to.be.at.least(2);
      expect(redrive.body.windows).to.equal(1);

      const windowState = async () =>
        (await call('GET', `/api/v1/models/fleet/${model.name}/windows?from=${iso(window.fromMs)}&to=${iso(window.toMs)}`)).body.items[0]
          ?.state;
      await waitFor(async () => (await windowState()) === 'succeeded', {
        timeoutMs: 30_000,
        describe: () => `the re-driven window to succeed\n${processOutput()}`,
      });
      const predictions = await call(
        'GET',
        `/api/v1/models/fleet/${model.name}/predictions?from=${iso(window.fromMs)}&to=${iso(window.toMs)}&fields=contributions`,
      );
      expect(predictions.body.items).to.have.length(INTERVAL_MS / fleet.resolutionMs);
      expect(predictions.body.items[0]).to.not.have.property('outputs');

      await waitFor(async () => (await letters()).some((l) => l.id === 'malformed-1'), {
        timeoutMs: 20_000,
        describe: () => 'the malformed message to be dead again',
      });
      const after = await letters();
      expect(after.map((l) => l.id)).to.not.include(task.id);
      const malformed = after.find((l) => l.id === 'malformed-1')!;
      expect(malformed.reason).to.match(/^malformed: /);
      // Dead again and left there: no loop re-drives it.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await letters()).find((l) => l.id === 'malformed-1')).to.deep.equal(malformed);
    });

    it('lists two live executors and the scheduler; a kill -9 executor is shown lost after api.lost_after', async () => {
      const live = async () =>
        (await call('GET', '/api/v1/executors?role=executor&limit=50')).body.items as {
          name: string;
          state: string;
          pid: number;
          done: number;
        }[];
      await waitFor(async () => (await live()).filter((e) => e.state === 'live').length === 2, {
        timeoutMs: 20_000,
        describe: () => `two live executors\n${processOutput()}`,
      });
      const scheduler = await call('GET', '/api/v1/executors?role=scheduler');
      expect(scheduler.body.items.map((p: { name: string; state: string }) => [p.name, p.state])).to.deep.equal([['scheduler', 'live']]);
      const executors = await live();
      expect(executors.map((e) => e.name)).to.deep.equal(['executor-1', 'executor-2']);
      expect(executors.reduce((sum, e) => sum + e.done, 0)).to.be.greaterThan(0);
      const victim = processes.find((p) => p.child.spawnargs.includes('executor-2'))!;
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await waitFor(async () => (await live()).find((e) => e.name === 'executor-2')?.state === 'lost', {
        timeoutMs: 20_000,
        describe: () => 'executor-2 to be lost',
      });
      // api.lost_after is 2 s and heartbeats come every 300 ms: lost soon after, never before.
      expect(Date.now() - killedAt).to.be.at.least(1_500);
      expect((await live()).find((e) => e.name === 'executor-1')?.state).to.equal('live');
    });

    it('never writes a token to its logs or its metrics, after every request above', async () => {
      const metrics = await api.request('GET', '/metrics', { as: null });
      const everything = `${api.process.stdout}${api.process.stderr}${metrics.body}${processes.map((p) => p.stdout + p.stderr).join('')}`;
      expect(api.process.stdout).to.contain('API and docs at');
      for (const token of Object.values(testTokens)) expect(everything).to.not.contain(token);
    });
  });
}

describeServiceApi('SQLite', async (workspace) => ({ database: workspace.databasePath, cleanup: async () => {} }));
describeServiceApi('PostgreSQL', async () => {
  const throwaway: ThrowawayDatabase = await createThrowawayDatabase();
  return { database: throwaway.url, cleanup: () => throwaway.drop() };
});
