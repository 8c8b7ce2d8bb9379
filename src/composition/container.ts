import { Container } from 'inversify';
import type { AppConfig } from '../config/AppConfig.js';
import type { ProviderRole } from '../contracts/ProviderModule.js';
import { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import { PredictionStorageProvider } from '../contracts/PredictionStorageProvider.js';
import { SensorDataProvider } from '../contracts/SensorDataProvider.js';
import { TaskQueue } from '../contracts/TaskQueue.js';
import { Executor } from '../executor/Executor.js';
import { WindowLedger } from '../ledger/WindowLedger.js';
import { Database, openDatabase } from '../persistence/dataSource.js';
import { runMigrations } from '../persistence/migrate.js';
import { LatigoMetrics } from '../observability/LatigoMetrics.js';
import { Scheduler } from '../scheduler/Scheduler.js';
import { Clock, ProcessName, systemClock } from '../runtime/clock.js';
import { Logger } from '../runtime/logger.js';

/** What a process does; each binds only the provider sections it uses (the scheduler reads no sensor data). */
export type ProcessRole = 'scheduler' | 'executor' | 'admin';

export const sectionsByRole: Record<ProcessRole, readonly ProviderRole[]> = {
  scheduler: ['task_queue', 'model_info'],
  executor: ['task_queue', 'model_info', 'sensor_data', 'predictor', 'prediction_storage'],
  admin: ['task_queue', 'model_info', 'sensor_information', 'sensor_data', 'predictor', 'prediction_storage'],
};

export const AppConfigToken = Symbol.for('latigo.AppConfig');
export const SchedulerToken = Symbol.for('latigo.Scheduler');
export const ExecutorToken = Symbol.for('latigo.Executor');
export const WindowLedgerToken = Symbol.for('latigo.WindowLedger');
/** The process's LatigoMetrics: the executor and scheduler report to it; `/metrics` serves it. */
export const MetricsToken = Symbol.for('latigo.Metrics');

export interface ContainerOptions {
  processName: string;
  clock?: () => number;
  /** Apply pending migrations when the database is first opened (default true). */
  migrate?: boolean;
}

/**
 * The one composition root. Binds the core, then each provider section's module for `role`.
 * Nothing is connected here: the database opens when something first needs it (`getAsync`).
 */
export function buildContainer(config: AppConfig, role: ProcessRole, log: Logger, options: ContainerOptions): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(AppConfigToken).toConstantValue(config);
  container.bind(Logger).toConstantValue(log);
  container.bind(Clock).toConstantValue(options.clock ?? systemClock);
  container.bind(ProcessName).toConstantValue(options.processName);
  container.bind(Database).toResolvedValue(async () => {
    const db = await openDatabase(config.database);
    if (options.migrate !== false) {
      const applied = await runMigrations(db);
      if (applied.length > 0) log.info('database migrated', { applied });
    }
    return db;
  }).inSingletonScope();
  container.bind(MetricsToken).toConstantValue(new LatigoMetrics({
    role, providerTypes: Object.fromEntries(Object.entries(config.providers).map(([section, { type }]) => [section, type])),
  }));
  container.bind(WindowLedgerToken).toResolvedValue((db: Database, clock: () => number) => new WindowLedger(db, clock), [Database, Clock]);

  for (const section of sectionsByRole[role]) {
    const { module, config: sectionConfig } = config.providers[section];
    container.loadSync(module.load(sectionConfig));
  }

  if (role === 'scheduler' || role === 'admin') {
    container.bind(SchedulerToken).toResolvedValue(
      (models: ModelInformationProvider, ledger: WindowLedger, queue: TaskQueue, clock: () => number, observer: LatigoMetrics) =>
        new Scheduler({ config: config.scheduler, models, ledger, queue, log: log.child({ component: 'scheduler' }), clock, ...observing(config, observer) }),
      [ModelInformationProvider, WindowLedgerToken, TaskQueue, Clock, MetricsToken],
    );
  }
  if (role === 'executor' || role === 'admin') {
    container.bind(ExecutorToken).toResolvedValue(
      (queue: TaskQueue, models: ModelInformationProvider, sensorData: SensorDataProvider, predictor: ModelExecutionProvider,
        storage: PredictionStorageProvider, ledger: WindowLedger, clock: () => number, observer: LatigoMetrics) =>
        new Executor({
          config: config.executor, queue, models, sensorData, predictor, storage, ledger, clock,
          processName: options.processName, log: log.child({ component: 'executor' }), ...observing(config, observer),
        }),
      [TaskQueue, ModelInformationProvider, SensorDataProvider, ModelExecutionProvider, PredictionStorageProvider, WindowLedgerToken, Clock, MetricsToken],
    );
  }
  return container;
}

/** Metrics are counted only when a process serves them (`http.enabled`): a per-model gauge costs memory at
 *  thousands of models, and nothing else reads it. */
function observing(config: AppConfig, metrics: LatigoMetrics): { observer?: LatigoMetrics } {
  return config.http.enabled ? { observer: metrics } : {};
}
