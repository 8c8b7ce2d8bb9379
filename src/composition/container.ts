import { providerMigrations } from './providerMigrations.js';
import { Container, type ServiceIdentifier } from 'inversify';
import { QueueInspector } from '../contracts/QueueInspector.js';
import type { AppConfig } from '../config/AppConfig.js';
import type { ProviderRole } from '../contracts/ProviderRole.js';
import { CredentialStore } from '../credentials/createBearerTokenSource.js';
import { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import { ProviderMetrics } from '../contracts/ProviderMetrics.js';
import { PredictionStorageProvider } from '../contracts/PredictionStorageProvider.js';
import { SensorDataProvider } from '../contracts/SensorDataProvider.js';
import { TaskQueue } from '../contracts/TaskQueue.js';
import { createEpisodeStore } from '../episodes/createEpisodeStore.js';
import { Executor } from '../executor/Executor.js';
import { WindowLedger } from '../ledger/WindowLedger.js';
import { Database } from '../persistence/Database.js';
import { isNewSqliteFile, maskUrl, openDatabase } from '../persistence/dataSource.js';
import { bindNamed } from './bindNamed.js';
import { bindProviderSections } from './bindProviders.js';
import { runMigrations } from '../persistence/migrate.js';
import { LatigoMetrics } from '../observability/LatigoMetrics.js';
import { Scheduler } from '../scheduler/Scheduler.js';
import { ModelTriggerPlanner } from '../scheduler/ModelTriggerPlanner.js';
import { WindowDispatcher } from '../scheduler/WindowDispatcher.js';
import { TriggerStateStore } from '../ledger/TriggerStateStore.js';
import { StoredWindowRecords } from '../summary/StoredWindowRecords.js';
import { DataWatermarks } from '../contracts/DataWatermarks.js';
import { RecordedDataWatermarks } from '../ingest/RecordedDataWatermarks.js';
import { SensorWatermarks } from '../ingest/SensorWatermarks.js';
import { ModelTrainingStore } from '../ledger/ModelTrainingStore.js';
import { createSchedule } from '../scheduler/ticks.js';
import { ProcessRegistry } from '../processes/ProcessRegistry.js';
import { bothObservers, ExecutorStats } from '../processes/ProcessStats.js';
import { BackfillJobStore } from '../backfills/BackfillJobStore.js';
import { OnDemandRuns } from '../runs/OnDemandRuns.js';
import { RunStore } from '../runs/RunStore.js';
import { Clock, ProcessName, systemClock } from '../runtime/clock.js';
import { Logger } from '../runtime/logger.js';

/** What a process does; each binds only the provider sections it uses (the scheduler reads no sensor data). */
export type ProcessRole = 'scheduler' | 'executor' | 'api' | 'admin';

export const sectionsByRole: Record<ProcessRole, readonly ProviderRole[]> = {
  scheduler: ['task_queue', 'model_info'],
  executor: ['task_queue', 'model_info', 'sensor_data', 'predictor', 'prediction_storage'],
  // The API reads predictions and sensor data through their sections' capabilities; it never runs a model.
  api: ['task_queue', 'model_info', 'sensor_information', 'sensor_data', 'prediction_storage'],
  admin: ['task_queue', 'model_info', 'sensor_information', 'sensor_data', 'predictor', 'prediction_storage'],
};

export const AppConfigToken = Symbol.for('latigo.AppConfig');
export const SchedulerToken: ServiceIdentifier<Scheduler> = Symbol.for('latigo.Scheduler');
export const ExecutorToken: ServiceIdentifier<Executor> = Symbol.for('latigo.Executor');
export const WindowLedgerToken: ServiceIdentifier<WindowLedger> = Symbol.for('latigo.WindowLedger');
export const ProcessRegistryToken: ServiceIdentifier<ProcessRegistry> = Symbol.for('latigo.ProcessRegistry');
/** The executor's counters for its heartbeat (ExecutorStats). */
export const ExecutorStatsToken: ServiceIdentifier<ExecutorStats> = Symbol.for('latigo.ExecutorStats');
export const BackfillJobStoreToken: ServiceIdentifier<BackfillJobStore> = Symbol.for('latigo.BackfillJobStore');
export const RunStoreToken: ServiceIdentifier<RunStore> = Symbol.for('latigo.RunStore');
export const OnDemandRunsToken: ServiceIdentifier<OnDemandRuns> = Symbol.for('latigo.OnDemandRuns');
/** The process's LatigoMetrics: the executor and scheduler report to it; `/metrics` serves it. */
export const MetricsToken: ServiceIdentifier<LatigoMetrics> = Symbol.for('latigo.Metrics');

export interface ContainerOptions {
  processName: string;
  clock?: () => number;
  /** Apply pending migrations when the database is first opened (default true). */
  migrate?: boolean;
  /** The process's credential cache (the start-up check fills it); a new one when omitted. */
  credentials?: CredentialStore;
  /** Read-only commands: a SQLite database that does not exist is an error instead of being created. */
  mustExist?: boolean;
}

/**
 * The one composition root. Binds the core, then each provider section's module for `role`.
 * Nothing is connected here: the database opens when something first needs it (`getAsync`).
 */
export function buildContainer(config: AppConfig, role: ProcessRole, log: Logger, options: ContainerOptions): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  const clock = options.clock ?? systemClock;
  container.bind(AppConfigToken).toConstantValue(config);
  container.bind(Logger).toConstantValue(log);
  container.bind(Clock).toConstantValue(clock);
  container.bind(ProcessName).toConstantValue(options.processName);
  bindNamed(container, Database, {}, async () => {
    const created = options.mustExist !== true && isNewSqliteFile(config.database.url);
    const db = await openDatabase(config.database, {
      mustExist: options.mustExist === true,
      providerMigrations: providerMigrations(config.providers),
    });
    if (created) log.info('database created', { url: maskUrl(config.database.url) });
    if (options.migrate !== false) {
      const applied = await runMigrations(db);
      if (applied.length > 0) log.info('database migrated', { applied });
    }
    return db;
  });
  const metrics = new LatigoMetrics({
    role,
    providerTypes: Object.fromEntries(Object.entries(config.providers).map(([section, { type }]) => [section, type])),
  });
  container.bind(MetricsToken).toConstantValue(metrics);
  container.bind(ProviderMetrics).toConstantValue(metrics);
  bindNamed(container, WindowLedgerToken, { db: Database }, ({ db }) => new WindowLedger(db, clock));
  bindNamed(container, ProcessRegistryToken, { db: Database }, ({ db }) => new ProcessRegistry(db));
  // What ingest and import recorded, whatever store holds the points: the data triggers' one source of truth.
  bindNamed(container, DataWatermarks, { db: Database }, ({ db }) => new RecordedDataWatermarks(new SensorWatermarks(db, clock)));
  bindNamed(container, BackfillJobStoreToken, { db: Database }, ({ db }) => new BackfillJobStore(db, clock));
  const executorStats = new ExecutorStats();
  container.bind(ExecutorStatsToken).toConstantValue(executorStats);

  bindProviderSections(
    container,
    sectionsOf(role, config).map((section) => ({ role: section, ...config.providers[section] })),
    {
      log,
      clock,
      processName: options.processName,
      credentials: options.credentials ?? new CredentialStore(),
    },
  );

  if (role === 'scheduler' || role === 'admin') {
    // The scheduler reads the queue's depth when the queue declares a QueueInspector (sections are bound above).
    const schedulerDeps = { models: ModelInformationProvider, ledger: WindowLedgerToken, queue: TaskQueue, db: Database };
    const makeScheduler = async (deps: {
      models: ModelInformationProvider;
      ledger: WindowLedger;
      queue: TaskQueue;
      db: Database;
      inspector?: QueueInspector;
    }) =>
      new Scheduler({
        config: config.scheduler,
        models: deps.models,
        ledger: deps.ledger,
        queue: deps.queue,
        log: log.child({ component: 'scheduler' }),
        clock,
        ...observing(config, metrics),
        ...(deps.inspector === undefined ? {} : { inspector: deps.inspector }),
        triggers: new ModelTriggerPlanner({
          models: deps.models,
          ledger: deps.ledger,
          dispatcher: new WindowDispatcher(deps.ledger, deps.queue, config.scheduler.batchSize),
          state: new TriggerStateStore(deps.db),
          watermarks: await container.getAsync(DataWatermarks),
          clock,
          log: log.child({ component: 'triggers' }),
          catchUpHorizonMs: config.scheduler.catchUpHorizonMs,
          maxWindowsPerModel: config.scheduler.maxWindowsPerPass,
        }),
        training: new ModelTrainingStore(deps.db, clock),
        writeLog: new SensorWatermarks(deps.db, clock),
      });
    if (container.isBound(QueueInspector))
      bindNamed(container, SchedulerToken, { ...schedulerDeps, inspector: QueueInspector }, makeScheduler);
    else bindNamed(container, SchedulerToken, schedulerDeps, makeScheduler);
  }
  if (role === 'api') {
    bindNamed(container, RunStoreToken, { db: Database }, ({ db }) => new RunStore(db));
    bindNamed(
      container,
      OnDemandRunsToken,
      {
        ledger: WindowLedgerToken,
        queue: TaskQueue,
        models: ModelInformationProvider,
        runs: RunStoreToken,
      },
      async ({ ledger, queue, models, runs }) =>
        new OnDemandRuns({
          ledger,
          queue,
          models,
          runs,
          clock,
          schedule: createSchedule(config.scheduler),
          batchSize: config.scheduler.batchSize,
          log: log.child({ component: 'runs' }),
          ...(container.isBound(QueueInspector) ? { inspector: await container.getAsync(QueueInspector) } : {}),
        }),
    );
  }
  if (role === 'executor' || role === 'admin') {
    bindNamed(
      container,
      ExecutorToken,
      {
        queue: TaskQueue,
        models: ModelInformationProvider,
        sensorData: SensorDataProvider,
        predictor: ModelExecutionProvider,
        storage: PredictionStorageProvider,
        ledger: WindowLedgerToken,
        db: Database,
      },
      ({ queue, models, sensorData, predictor, storage, ledger, db }) =>
        new Executor({
          config: config.executor,
          queue,
          models,
          sensorData,
          predictor,
          storage,
          ledger,
          clock,
          processName: options.processName,
          log: log.child({ component: 'executor' }),
          observer: bothObservers(executorStats, observing(config, metrics).observer),
          // Each stored window also records its share of the model's summary (GET .../summary) and its episodes.
          recorder: new StoredWindowRecords(createEpisodeStore(db, config.episodes, clock), clock),
        }),
    );
  }
  return container;
}

/**
 * The sections `role` binds. The api also binds the predictor when model_info is the embedded registry, which
 * takes definitions: a model defined over the API is trained there before it is scheduled.
 */
export function sectionsOf(role: ProcessRole, config: Pick<AppConfig, 'providers'>): readonly ProviderRole[] {
  if (role === 'api' && config.providers.model_info.type === 'embedded') return [...sectionsByRole.api, 'predictor'];
  return sectionsByRole[role];
}

/** Metrics are counted only when a process serves them (`http.enabled`): a per-model gauge costs memory at
 *  thousands of models, and nothing else reads it. */
function observing(config: AppConfig, metrics: LatigoMetrics): { observer?: LatigoMetrics } {
  return config.http.enabled ? { observer: metrics } : {};
}
