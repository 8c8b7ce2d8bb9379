import { defineProvider } from '../../src/provider/defineProvider.js';
import type { ProviderDeps } from '../../src/provider/ProviderDeps.js';
import { parseDataApiConfig, type DataApiConfig } from './config.js';
import { DataApiClient } from './DataApiClient.js';
import { DataApiPredictionReader } from './DataApiPredictionReader.js';
import { DataApiPredictionStorage } from './DataApiPredictionStorage.js';
import { DataApiSensorData } from './DataApiSensorData.js';
import { DataApiSensorInformation } from './DataApiSensorInformation.js';
import { SeriesDirectory } from './SeriesDirectory.js';

/**
 * The client and series cache of one configured API (same settings): the sections reading sensors and
 * storing predictions through the same Data API share them. Nothing connects until the first request.
 */
function connect(config: DataApiConfig, deps: ProviderDeps) {
  return deps.shared(`connection ${JSON.stringify(config)}`, () => {
    const client = DataApiClient.create(config, deps.credentials.tokenSource(config.credential), deps.log);
    return { client, directory: new SeriesDirectory(client, config, deps.clock) };
  });
}

/** `type: data_api` in sensor_data, sensor_information and prediction_storage. */
export const dataApiProvider = defineProvider({
  name: 'data_api',
  sections: {
    sensor_data: {
      parseConfig: parseDataApiConfig,
      create(config, deps) {
        const { client, directory } = connect(config, deps);
        return { service: new DataApiSensorData(client, directory, config, deps.log) };
      },
    },
    sensor_information: {
      parseConfig: parseDataApiConfig,
      create(config, deps) {
        const { client, directory } = connect(config, deps);
        return { service: new DataApiSensorInformation(client, directory) };
      },
    },
    prediction_storage: {
      parseConfig: parseDataApiConfig,
      capabilities: ['predictionReader'],
      create(config, deps) {
        const { client, directory } = connect(config, deps);
        return {
          service: new DataApiPredictionStorage(client, directory, config, deps.log),
          // The catalogue names a model's series (DataApiPredictionReader); asked only when something reads.
          capabilities: { predictionReader: new DataApiPredictionReader(client, directory, config, () => deps.modelInfo()) },
        };
      },
    },
  },
});
export default dataApiProvider;
