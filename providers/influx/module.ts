import { defineProvider } from '../../src/provider/defineProvider.js';
import type { ProviderDeps } from '../../src/provider/ProviderDeps.js';
import { createInfluxClient, type InfluxClientLike } from './client.js';
import { parseInfluxPredictionConfig, parseInfluxSensorConfig, type InfluxConnectionConfig } from './config.js';
import { InfluxPredictionReader } from './InfluxPredictionReader.js';
import { InfluxPredictionStorage } from './InfluxPredictionStorage.js';
import { InfluxSensorDataProvider } from './InfluxSensorDataProvider.js';
import { InfluxSensorInformation } from './InfluxSensorInformation.js';
import { InfluxSensorWriter } from './InfluxSensorWriter.js';

/**
 * One client per connection (server, database, API mode, credentials) in a process: sections on the same
 * InfluxDB share it. The key is the connection settings without the section's own layout; it stays in memory.
 */
function client(config: InfluxConnectionConfig & { sensors?: unknown; predictions?: unknown }, deps: ProviderDeps): InfluxClientLike {
  const key = JSON.stringify({ ...config, sensors: undefined, predictions: undefined });
  return deps.shared(`client ${key}`, () => createInfluxClient(config));
}

/** `type: influx` in sensor_data, sensor_information and prediction_storage. Nothing connects before first use. */
export const influxProvider = defineProvider({
  name: 'influx',
  sections: {
    sensor_data: {
      parseConfig: parseInfluxSensorConfig,
      capabilities: ['sensorWriter'],
      create: (config, deps) => ({
        service: new InfluxSensorDataProvider(client(config, deps), config.sensors, deps.log),
        capabilities: { sensorWriter: new InfluxSensorWriter(client(config, deps), config.sensors) },
      }),
    },
    sensor_information: {
      parseConfig: parseInfluxSensorConfig,
      create: (config, deps) => ({ service: new InfluxSensorInformation(client(config, deps), config.sensors) }),
    },
    prediction_storage: {
      parseConfig: parseInfluxPredictionConfig,
      capabilities: ['predictionReader'],
      create: (config, deps) => ({
        service: new InfluxPredictionStorage(client(config, deps), config.predictions, deps.log),
        capabilities: { predictionReader: new InfluxPredictionReader(client(config, deps), config.predictions) },
      }),
    },
  },
});
export default influxProvider;
