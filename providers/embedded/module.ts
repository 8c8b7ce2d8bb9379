import { defineProvider } from '../../src/provider/defineProvider.js';
import { createEmbeddedProviderTables, sensorPointChunks, sensorPointWithoutRowid } from './migrations.js';
import { createForecastTable } from './forecastTable.js';
import type { ProviderDeps } from '../../src/provider/ProviderDeps.js';
import { parseEmbeddedModelInfoConfig, parseNoOptions } from './config.js';
import { DatabasePredictionStorage } from './DatabasePredictionStorage.js';
import { EmbeddedModelRegistry } from './EmbeddedModelRegistry.js';
import { EmbeddedSensorStore } from './EmbeddedSensorStore.js';

/** One store object serves both sensor sections when both are embedded. */
const sensorStore = (deps: ProviderDeps) =>
  deps.shared('sensor store', async () => new EmbeddedSensorStore(await deps.database(), deps.log));

/**
 * `type: embedded` for the stores: models, sensors and predictions in the service's own database, nothing else to
 * install. The embedded task queue (providers/database-queue) and predictor (providers/pca) are packages of their own.
 */
export const embeddedProvider = defineProvider({
  name: 'embedded',
  migrations: [createEmbeddedProviderTables, createForecastTable, sensorPointWithoutRowid, sensorPointChunks],
  sections: {
    model_info: {
      parseConfig: parseEmbeddedModelInfoConfig,
      capabilities: ['modelWriter'],
      async create(config, deps) {
        const registry = new EmbeddedModelRegistry(await deps.database(), config, deps.log);
        return { service: registry, capabilities: { modelWriter: registry } };
      },
    },
    sensor_information: {
      parseConfig: parseNoOptions,
      create: async (_config, deps) => ({ service: await sensorStore(deps) }),
    },
    sensor_data: {
      parseConfig: parseNoOptions,
      capabilities: ['sensorWriter'],
      async create(_config, deps) {
        const store = await sensorStore(deps);
        return { service: store, capabilities: { sensorWriter: store } };
      },
    },
    prediction_storage: {
      parseConfig: parseNoOptions,
      capabilities: ['predictionReader'],
      async create(_config, deps) {
        const storage = new DatabasePredictionStorage(await deps.database(), deps.log);
        return { service: storage, capabilities: { predictionReader: storage } };
      },
    },
  },
});
export default embeddedProvider;
