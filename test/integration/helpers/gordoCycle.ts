import type { Executor } from '../../../src/executor/Executor.js';
import { Database } from '../../../src/persistence/dataSource.js';
import { silentLogger, type Logger } from '../../../src/runtime/logger.js';
import type { Container } from 'inversify';
import type { Scheduler, SchedulePassSummary } from '../../../src/scheduler/Scheduler.js';
import { EmbeddedSensorStore } from '../../../providers/embedded/EmbeddedSensorStore.js';
import type { GordoModelSpec } from '../../servers/gordoServer.js';
import { openWorkspaceDatabase } from './fleet.js';
import { DatabaseReader, waitFor } from './sqlite.js';
import { Workspace } from './workspace.js';

/**
 * The composition root through import(), as the registry loads the providers: mocha runs this file as
 * CommonJS (tsx), where a static import and an import() of one source file make two module instances, and
 * the executor's `instanceof ProviderError` would then not recognise the providers' errors.
 */
async function compositionRoot() {
  const [{ buildContainer, ExecutorToken, SchedulerToken }, { providerCatalog }, { loadConfig }] = await Promise.all([
    import('../../../src/composition/container.js'),
    import('../../../src/composition/registry.js'),
    import('../../../src/config/loadConfig.js'),
  ]);
  return { buildContainer, ExecutorToken, SchedulerToken, load: (file: string) => loadConfig({ file, env: {}, catalog: providerCatalog }) };
}

const MINUTE = 60_000;
/** Sensor data covers [DATA_START, NOW); the scheduler's clock stands at NOW. */
export const DATA_START_MS = Date.parse('2025-03-01T00:00:00Z');
export const NOW_MS = DATA_START_MS + 4 * 60 * MINUTE;
export const CYCLE_INTERVAL_MS = 30 * MINUTE;
export const CYCLE_RESOLUTION_MS = MINUTE;

/** A small Gordo plant: `count` models of three tags each (names with spaces), 1-minute resolution. */
export function plantModels(count: number, extra: (i: number) => Partial<GordoModelSpec> = () => ({})): GordoModelSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `compressor-${String(i).padStart(2, '0')}`;
    return {
      name,
      tags: ['flow', 'pressure out', 'temperature'].map((t) => `${name} ${t}`),
      resolution: '1T',
      trainStart: '2025-01-01T00:00:00+00:00',
      trainEnd: '2025-02-01T00:00:00+00:00',
      aggregateThreshold: 2,
      ...extra(i),
    };
  });
}

/** The Model resource `spec.config` of a Gordo model spec (the definition the builder was given). */
export function modelConfigOf(spec: GordoModelSpec): Record<string, unknown> {
  return {
    dataset: {
      tag_list: spec.tags,
      target_tag_list: spec.targetTags ?? [],
      resolution: spec.resolution,
      train_start_date: spec.trainStart,
      train_end_date: spec.trainEnd,
    },
    model: { 'gordo.machine.model.anomaly.diff.DiffBasedAnomalyDetector': { base_estimator: {} } },
  };
}

/**
 * One workspace running the real scheduler and executors in this process, from a YAML configuration with
 * the embedded sensor store, queue and prediction table, and the given model_info / predictor sections.
 */
export class GordoCycle {
  readonly workspace: Workspace;
  readonly reader: DatabaseReader;
  private readonly scheduler: Scheduler;

  private constructor(
    workspace: Workspace,
    private readonly configFile: string,
    private readonly container: Container,
    scheduler: Scheduler,
    private readonly log: Logger,
  ) {
    this.workspace = workspace;
    this.scheduler = scheduler;
    this.reader = new DatabaseReader(workspace.databasePath);
  }

  /** Seeds every tag of `models` with 4 h of data and builds the scheduler from the configuration. */
  static async create(
    label: string,
    models: readonly GordoModelSpec[],
    sections: Record<string, Record<string, unknown>>,
    log: Logger = silentLogger,
  ): Promise<GordoCycle> {
    const workspace = new Workspace(label);
    const config = workspace.testConfig({
      scheduler: { start_time: '2025-01-01T00:00:00Z', interval: '30m', delay: 0, catch_up_horizon: '2h', run_at_once: true },
      executor: { concurrency: 4, task_timeout: '10s', retry: { initial_interval: 20, maximum_interval: 200, maximum_attempts: 6 } },
      task_queue: {
        type: 'embedded',
        visibility_timeout: '20s',
        poll_interval: 20,
        retry: { initial_interval: 50, maximum_interval: 200 },
      },
      sensor_data: { type: 'embedded' },
      prediction_storage: { type: 'embedded' },
      ...sections,
    });
    const configFile = workspace.writeConfig(config);
    const db = await openWorkspaceDatabase(workspace.databasePath);
    try {
      const store = new EmbeddedSensorStore(db, silentLogger);
      const tags = [...new Set(models.flatMap((m) => m.tags.map((t) => (typeof t === 'string' ? t : t.name))))];
      await store.upsertSensors(tags.map((name) => ({ name, asset: 'plant' })));
      const timesMs = Array.from({ length: (NOW_MS - DATA_START_MS) / MINUTE }, (_, i) => DATA_START_MS + i * MINUTE);
      await store.insertPoints(
        tags.map((sensor, t) => ({ sensor, timesMs, values: timesMs.map((time) => 10 + t + Math.sin(time / (17 * MINUTE) + t)) })),
      );
    } finally {
      await db.close();
    }
    const { buildContainer, SchedulerToken, load } = await compositionRoot();
    const appConfig = await load(configFile);
    const container = buildContainer(appConfig, 'scheduler', log, { processName: 'scheduler', clock: () => NOW_MS });
    return new GordoCycle(workspace, configFile, container, await container.getAsync<Scheduler>(SchedulerToken), log);
  }

  runScheduler(): Promise<SchedulePassSummary> {
    return this.scheduler.runOnce();
  }

  /** Runs `count` executors until no window is queued or running, then stops them. */
  async drain(count = 2, timeoutMs = 30_000): Promise<void> {
    const { buildContainer, ExecutorToken, load } = await compositionRoot();
    const appConfig = await load(this.configFile);
    const controller = new AbortController();
    const containers = Array.from({ length: count }, (_, i) =>
      buildContainer(appConfig, 'executor', this.log, { processName: `executor-${i + 1}`, clock: () => Date.now() }),
    );
    const executors = await Promise.all(containers.map((c) => c.getAsync<Executor>(ExecutorToken)));
    const runs = executors.map((e) => e.run(controller.signal));
    try {
      await waitFor(
        () => this.reader.count(`SELECT COUNT(*) FROM prediction_window WHERE state IN ('queued', 'running', 'failed')`) === 0,
        {
          timeoutMs,
          describe: () => `windows to finish: ${JSON.stringify(this.reader.windowStates())}`,
        },
      );
    } finally {
      controller.abort();
      await Promise.all(runs);
      for (const c of containers) await (await c.getAsync<Database>(Database)).close();
    }
  }

  async close(): Promise<void> {
    await (await this.container.getAsync<Database>(Database)).close();
    this.reader.close();
    this.workspace.remove();
  }
}
