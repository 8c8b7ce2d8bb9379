import { ContainerModule } from 'inversify';
import { PredictionStorageProvider } from '../../src/contracts/PredictionStorageProvider.js';
import type { ProviderModule } from '../../src/contracts/ProviderModule.js';
import { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import { Logger } from '../../src/runtime/logger.js';
import { createInfluxClient } from './client.js';
import { parseInfluxPredictionConfig, parseInfluxSensorConfig, type InfluxPredictionConfig, type InfluxSensorConfig } from './config.js';
import { InfluxPredictionStorage } from './InfluxPredictionStorage.js';
import { InfluxSensorDataProvider } from './InfluxSensorDataProvider.js';
import { InfluxSensorInformation } from './InfluxSensorInformation.js';

/** `type: influx` in sensor_data, sensor_information and prediction_storage. Nothing connects before first use. */

export const influxSensorData: ProviderModule<InfluxSensorConfig> = {
  parseConfig: parseInfluxSensorConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(SensorDataProvider).toResolvedValue((log: Logger) =>
      new InfluxSensorDataProvider(createInfluxClient(config), config.sensors, log.child({ component: 'influx-sensors' })), [Logger]).inSingletonScope();
  }),
};

export const influxSensorInformation: ProviderModule<InfluxSensorConfig> = {
  parseConfig: parseInfluxSensorConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(SensorInformationProvider).toResolvedValue(() => new InfluxSensorInformation(createInfluxClient(config), config.sensors)).inSingletonScope();
  }),
};

export const influxPredictionStorage: ProviderModule<InfluxPredictionConfig> = {
  parseConfig: parseInfluxPredictionConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(PredictionStorageProvider).toResolvedValue((log: Logger) =>
      new InfluxPredictionStorage(createInfluxClient(config), config.predictions, log.child({ component: 'influx-predictions' })), [Logger]).inSingletonScope();
  }),
};
