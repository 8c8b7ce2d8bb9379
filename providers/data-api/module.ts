import { ContainerModule } from 'inversify';
import { PredictionStorageProvider } from '../../src/contracts/PredictionStorageProvider.js';
import type { ProviderModule } from '../../src/contracts/ProviderModule.js';
import { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import { createBearerTokenSource } from '../../src/credentials/index.js';
import { Clock } from '../../src/runtime/clock.js';
import { Logger } from '../../src/runtime/logger.js';
import { parseDataApiConfig, type DataApiConfig } from './config.js';
import { DataApiClient } from './DataApiClient.js';
import { DataApiPredictionStorage } from './DataApiPredictionStorage.js';
import { DataApiSensorData } from './DataApiSensorData.js';
import { DataApiSensorInformation } from './DataApiSensorInformation.js';
import { SeriesDirectory } from './SeriesDirectory.js';

/** The client and series cache of one configured section; nothing connects until the first request. */
function connect(config: DataApiConfig, log: Logger, clock: () => number) {
  const client = DataApiClient.create(config, createBearerTokenSource(config.credential), log);
  return { client, directory: new SeriesDirectory(client, config, clock) };
}

export const dataApiSensorData: ProviderModule<DataApiConfig> = {
  parseConfig: parseDataApiConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(SensorDataProvider).toResolvedValue((log: Logger, clock: () => number) => {
      const child = log.child({ component: 'data-api' });
      const { client, directory } = connect(config, child, clock);
      return new DataApiSensorData(client, directory, config, child);
    }, [Logger, Clock]).inSingletonScope();
  }),
};

export const dataApiSensorInformation: ProviderModule<DataApiConfig> = {
  parseConfig: parseDataApiConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(SensorInformationProvider).toResolvedValue((log: Logger, clock: () => number) => {
      const { client, directory } = connect(config, log.child({ component: 'data-api' }), clock);
      return new DataApiSensorInformation(client, directory);
    }, [Logger, Clock]).inSingletonScope();
  }),
};

export const dataApiPredictionStorage: ProviderModule<DataApiConfig> = {
  parseConfig: parseDataApiConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(PredictionStorageProvider).toResolvedValue((log: Logger, clock: () => number) => {
      const child = log.child({ component: 'data-api-storage' });
      const { client, directory } = connect(config, child, clock);
      return new DataApiPredictionStorage(client, directory, config, child);
    }, [Logger, Clock]).inSingletonScope();
  }),
};
