import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withExecutorPools, parseEventHubConfig } from '../../providers/eventhub/config.js';
import { eventHubProvider } from '../../providers/eventhub/module.js';
import type { ReceivedMessage, TaskQueue } from '../../src/contracts/TaskQueue.js';
import { CredentialStore } from '../../src/credentials/createBearerTokenSource.js';
import { newTask } from '../../src/domain/Task.js';
import { openDatabase } from '../../src/persistence/dataSource.js';
import { ProcessRegistry } from '../../src/processes/ProcessRegistry.js';
import { unservedCounts, waitingUnserved } from '../../src/processes/unservedLanes.js';
import { runMigrations } from '../../src/persistence/migrate.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { toMessage } from '../../src/scheduler/WindowDispatcher.js';
import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { EventHubServer } from '../servers/eventhub/EventHubServer.js';
import { runCli, startCli, type CliProcess } from './helpers/cli.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

/**
 * Executor pools on the Event Hubs queue: a hub per pool (task_queue.pools). `latigo start --demo` sends each
 * task to its kind's pool's hub on the loopback Event Hubs server (the real @azure/event-hubs SDK in real
 * latigo processes); the ledger's task runs tell that the heavy executor ran only the forecasts and the fast
 * one the rest.
 */
describe('Event Hubs queue with a hub per executor pool (protocol)', function () {
  this.timeout(6 * 60_000);
  let server: EventHubServer;
  let workspace: Workspace;
  let start: CliProcess | undefined;
  const hubs = { tasks: { partitions: 2 }, 'tasks-fast': { partitions: 2 }, 'tasks-heavy': { partitions: 2 } };
  const eventHubQueue = (pools: Record<string, unknown>) => ({
    type: 'eventhub',
    connection_string: server.connectionString('tasks'),
    max_wait_time: '250ms',
    load_balancing: { strategy: 'greedy', update_interval: '500ms', ownership_expiration: '5s' },
    connection_retry: { maximum_attempts: 4, initial_interval: '200ms' },
    operation_timeout: '5s',
    pools,
  });
  const executorPools = { fast: ['pca_anomaly', 'threshold', 'forecast_anomaly'], heavy: ['forecast'] };

  before(async () => {
    server = await EventHubServer.start({ hubs });
  });
  after(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    workspace = new Workspace('eventhub-pools');
  });
  afterEach(async () => {
    if (start !== undefined && start.child.exitCode === null) {
      start.child.kill('SIGINT');
      await start.untilExit(60_000).catch(() => start?.kill());
    }
    workspace.remove();
  });

  it('stops at config load naming the key: a pool without a hub, a hub for an unknown pool', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ fast: { event_hub_name: 'tasks-fast' } }, /task_queue\.pools\.heavy[\s\S]*expected a hub for executor pool "heavy"/],
      [
        { fast: { event_hub_name: 'tasks-fast' }, heavy: { event_hub_name: 'tasks-heavy' }, batch: { event_hub_name: 'tasks-batch' } },
        /task_queue\.pools\.batch[\s\S]*unknown pool "batch"/,
      ],
      [
        { fast: { event_hub_name: 'tasks' }, heavy: { event_hub_name: 'tasks-heavy' } },
        /task_queue\.pools\.fast\.event_hub_name[\s\S]*already task_queue\.event_hub_name's/,
      ],
    ];
    for (const [pools, expected] of cases) {
      const sections = workspace.testConfig({ executor: { pools: executorPools } });
      sections.task_queue = eventHubQueue(pools);
      const config = workspace.writeConfig(sections);
      const checked = await runCli(['--config', config, 'config', 'show'], { cwd: workspace.dir });
      expect(checked.code, checked.stdout).to.not.equal(0);
      expect(`${checked.stdout}\n${checked.stderr}`, `${checked.stdout}\n${checked.stderr}`).to.match(expected);
    }
  });

  it('routes by lane in one process: each pool reads its hub, and a dead letter is listed and re-driven to its own hub', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latigo-eventhub-pools-'));
    const db = await openDatabase({ url: `sqlite:${join(dir, 'latigo.sqlite')}`, busyTimeoutMs: 5_000 }, withBuiltInTables);
    try {
      await runMigrations(db);
      const raw = eventHubQueue({ fast: { event_hub_name: 'tasks-fast' }, heavy: { event_hub_name: 'tasks-heavy' } });
      delete (raw as { type?: string }).type;
      const config = withExecutorPools(parseEventHubConfig(raw, 'task_queue'), executorPools, 'task_queue');
      const section = eventHubProvider.sections.task_queue!;
      const open = (processName: string) =>
        section.create(config, {
          log: silentLogger,
          clock: Date.now,
          processName,
          metrics: { providerCall: () => {} },
          credentials: new CredentialStore(),
          database: () => Promise.resolve(db),
          shared: <T>(_key: string, create: () => T) => create(),
          sensorData: () => Promise.reject(new Error('not used')),
          modelInfo: () => Promise.reject(new Error('not used')),
        });
      const scheduler = await open('pools-scheduler');
      const heavy = (await open('pools-heavy')).service;
      const before = (hub: string) => ['0', '1'].reduce((n, p) => n + server.events(hub, p).length, 0);
      const [heavyBefore, fastBefore] = [before('tasks-heavy'), before('tasks-fast')];
      const t0 = Date.parse('2026-01-01T00:00:00Z');
      const task = (model: string, i: number) => newTask('plant', model, 'r1', { fromMs: t0 + i * 600_000, toMs: t0 + (i + 1) * 600_000 });
      const forecasts = [0, 1, 2].map((i) => ({ ...toMessage(task('pools-forecast', i)), lane: 'forecast' }));
      const others = [0, 1].map((i) => ({ ...toMessage(task('pools-threshold', i)), lane: 'threshold' }));
      await scheduler.service.send([...others, ...forecasts]);
      expect(before('tasks-heavy') - heavyBefore).to.equal(3);
      expect(before('tasks-fast') - fastBefore).to.equal(2);

      // No executor is live yet: each pool's whole hub backlog (a fresh checkpoint store: every event on it)
      // waits unserved, keyed by the pool's kinds.
      const inspector = scheduler.capabilities!.queueInspector!;
      const registry = new ProcessRegistry(db);
      const waiting = () =>
        waitingUnserved({ ...unservedCounts(inspector), processes: () => registry.list(Date.now(), 60_000), pools: executorPools });
      const fastKinds = executorPools.fast.join('+');
      expect(await waiting()).to.deep.equal({ forecast: before('tasks-heavy'), [fastKinds]: before('tasks-fast') });
      await registry.beat(
        {
          name: 'pools-heavy',
          role: 'executor',
          host: 'h',
          pid: 1,
          version: 'v',
          startedAt: 0,
          inFlight: 0,
          done: 0,
          failed: 0,
          rate: 0,
          pool: 'heavy',
        },
        Date.now(),
      );
      expect(await waiting()).to.deep.equal({ [fastKinds]: before('tasks-fast') });

      const received = await receiveAll(heavy, executorPools.heavy, 3);
      expect(received.map((m) => m.id).sort()).to.deep.equal(forecasts.map((m) => m.id).sort());
      await heavy.deadLetter(received[0]!, 'test: parked on the heavy hub');
      for (const m of received.slice(1)) await heavy.ack(m);
      // Drained: the heavy hub's backlog reaches 0 once its executor checkpointed past every event.
      await waitFor(async () => (await inspector.readyByPool!())['heavy'] === 0, {
        timeoutMs: 120_000,
        describe: () => 'the heavy hub drained to 0 after its executor settled every event',
      });
      expect(await waiting()).to.deep.equal({ [fastKinds]: before('tasks-fast') });
      const parked = await inspector.deadLetters({ limit: 10 });
      expect(parked.items.map((d) => d.id)).to.deep.equal([received[0]!.id]);
      const heavyBeforeRedrive = before('tasks-heavy');
      expect(await inspector.redrive({ ids: [received[0]!.id] })).to.deep.equal({ redriven: 1 });
      expect(before('tasks-heavy') - heavyBeforeRedrive).to.equal(1);
      expect((await inspector.deadLetters({ limit: 10 })).items).to.deep.equal([]);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs forecasts on the heavy pool hub only and everything else on the fast one', async () => {
    const config = workspace.testConfig({
      logging: { level: 'info', format: 'json' },
      demo: { assets: 2, tags_per_asset: 6, history: '3d', training: '2d', resolution: '60s', faults_per_asset: 1, job_kinds: true },
      executor: { task_timeout: '60s', pools: executorPools },
    });
    config.task_queue = eventHubQueue({ fast: { event_hub_name: 'tasks-fast' }, heavy: { event_hub_name: 'tasks-heavy' } });
    const configPath = workspace.writeConfig(config);
    start = startCli(['--config', configPath, 'start', '--demo', '--executors', '1', '--status-interval', '300'], { cwd: workspace.dir });
    const running = start;
    const output = () => `${running.stdout.slice(-3000)}\n${running.stderr.slice(-2000)}`;

    const forecastModel = 'compressor-01-forecast';
    const runsByModel = () => {
      if (!existsSync(workspace.databasePath)) return [];
      const db = new DatabaseReader(workspace.databasePath);
      try {
        return db.all<{ model: string; executor: string; status: string; n: number }>(
          `SELECT w.model AS model, r.executor AS executor, r.status AS status, COUNT(*) AS n
           FROM task_run r JOIN prediction_window w ON w.task_id = r.task_id GROUP BY w.model, r.executor, r.status`,
        );
      } catch {
        return []; // the tables are not migrated yet
      } finally {
        db.close();
      }
    };
    const succeeded = (model: string) => runsByModel().some((r) => r.model === model && r.status === 'succeeded');
    const models = [forecastModel, 'compressor-01-threshold', 'compressor-01-anomaly', 'pump-01-anomaly'];
    await waitFor(
      () => {
        if (running.child.exitCode !== null) throw new Error(`latigo start exited (${running.child.exitCode})\n${output()}`);
        return models.every(succeeded);
      },
      {
        timeoutMs: 300_000,
        describe: () => `a succeeded run of each of ${models.join(', ')}; so far ${JSON.stringify(runsByModel())}\n${output()}`,
      },
    );

    const runs = runsByModel();
    const executorsOf = (model: string) => [...new Set(runs.filter((r) => r.model === model).map((r) => r.executor))];
    expect(executorsOf(forecastModel), JSON.stringify(runs)).to.deep.equal(['executor-heavy-1']);
    for (const model of models.slice(1)) expect(executorsOf(model), `${model}: ${JSON.stringify(runs)}`).to.deep.equal(['executor-fast-1']);
    // Every kind lies in a pool, so the section's own hub got nothing; each pool's hub got its tasks.
    const published = (hub: string) => ['0', '1'].reduce((n, p) => n + server.events(hub, p).length, 0);
    expect(published('tasks')).to.equal(0);
    expect(published('tasks-heavy')).to.be.greaterThan(0);
    expect(published('tasks-fast')).to.be.greaterThan(published('tasks-heavy'));
    // `latigo status` reads the pools' hubs: both pools have a live executor, so nothing waits unserved
    // (an object, not absent as when the queue could not count).
    const status = await runCli(['--config', configPath, 'status', '--json'], { cwd: workspace.dir });
    expect(status.code, status.stderr).to.equal(0);
    expect((JSON.parse(status.stdout) as { waiting_unserved?: unknown }).waiting_unserved, status.stdout).to.deep.equal({});

    running.child.kill('SIGINT');
    expect((await running.untilExit(60_000)).code, output()).to.equal(0);
  });
});

/** Receives from `queue` as an executor of a pool with `lanes` does, until `count` messages arrived. */
async function receiveAll(queue: TaskQueue, lanes: readonly string[], count: number) {
  const received: ReceivedMessage[] = [];
  await waitFor(
    async () => {
      received.push(...(await queue.receive({ maxMessages: count, waitMs: 500, lanes })));
      return received.length >= count;
    },
    { timeoutMs: 120_000, describe: () => `${count} messages from the pool's hub; got ${received.length}` },
  );
  return received;
}
