import { ContainerModule } from 'inversify';
import { ModelExecutionProvider } from '../../src/contracts/ModelExecutionProvider.js';
import { ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import { PredictionStorageProvider } from '../../src/contracts/PredictionStorageProvider.js';
import type { ProviderModule } from '../../src/contracts/ProviderModule.js';
import { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import { TaskQueue } from '../../src/contracts/TaskQueue.js';
import { Database } from '../../src/persistence/dataSource.js';
import { Clock, ProcessName } from '../../src/runtime/clock.js';
import { Logger } from '../../src/runtime/logger.js';
import {
  parseEmbeddedModelInfoConfig, parseEmbeddedPredictorConfig, parseEmbeddedQueueConfig, parseNoOptions,
  type EmbeddedModelInfoConfig, type EmbeddedPredictorConfig, type EmbeddedQueueConfig,
} from './config.js';
import { DatabasePredictionStorage } from './DatabasePredictionStorage.js';
import { DatabaseTaskQueue } from './DatabaseTaskQueue.js';
import { EmbeddedModelRegistry } from './EmbeddedModelRegistry.js';
import { EmbeddedSensorStore } from './EmbeddedSensorStore.js';
import { PcaModelExecutionProvider } from './anomaly/PcaModelExecutionProvider.js';

/** The embedded defaults: everything in the service's own database, nothing else to install. */

export const embeddedTaskQueue: ProviderModule<EmbeddedQueueConfig> = {
  parseConfig: parseEmbeddedQueueConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(TaskQueue).toResolvedValue((db: Database, log: Logger, owner: string, clock: () => number) =>
      new DatabaseTaskQueue(db, config, log.child({ component: 'embedded-queue' }), { owner, clock }),
    [Database, Logger, ProcessName, Clock]).inSingletonScope();
  }),
};

/** One store object serves both sensor roles; bound once per container under both tokens. */
export const embeddedSensorData: ProviderModule<Record<string, never>> = {
  parseConfig: parseNoOptions,
  load: () => new ContainerModule(({ bind }) => {
    bind(SensorDataProvider).toResolvedValue((db: Database, log: Logger) =>
      new EmbeddedSensorStore(db, log.child({ component: 'embedded-sensors' })), [Database, Logger]).inSingletonScope();
  }),
};

export const embeddedSensorInformation: ProviderModule<Record<string, never>> = {
  parseConfig: parseNoOptions,
  load: () => new ContainerModule(({ bind }) => {
    bind(SensorInformationProvider).toResolvedValue((db: Database, log: Logger) =>
      new EmbeddedSensorStore(db, log.child({ component: 'embedded-sensors' })), [Database, Logger]).inSingletonScope();
  }),
};

export const embeddedModelInfo: ProviderModule<EmbeddedModelInfoConfig> = {
  parseConfig: parseEmbeddedModelInfoConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(ModelInformationProvider).toResolvedValue((db: Database, log: Logger) =>
      new EmbeddedModelRegistry(db, config, log.child({ component: 'embedded-models' })), [Database, Logger]).inSingletonScope();
  }),
};

export const embeddedPredictor: ProviderModule<EmbeddedPredictorConfig> = {
  parseConfig: parseEmbeddedPredictorConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    // Training reads the training range through whichever SensorDataProvider is configured.
    bind(ModelExecutionProvider).toResolvedValue((db: Database, sensorData: SensorDataProvider, log: Logger, clock: () => number) =>
      new PcaModelExecutionProvider(db, sensorData, config, log.child({ component: 'pca-model' }), { clock }),
    [Database, SensorDataProvider, Logger, Clock]).inSingletonScope();
  }),
};

export const embeddedPredictionStorage: ProviderModule<Record<string, never>> = {
  parseConfig: parseNoOptions,
  load: () => new ContainerModule(({ bind }) => {
    bind(PredictionStorageProvider).toResolvedValue((db: Database, log: Logger) =>
      new DatabasePredictionStorage(db, log.child({ component: 'embedded-predictions' })), [Database, Logger]).inSingletonScope();
  }),
};
