import { ContainerModule } from 'inversify';
import { ModelExecutionProvider } from '../../src/contracts/ModelExecutionProvider.js';
import { ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { ProviderModule } from '../../src/contracts/ProviderModule.js';
import { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { createBearerTokenSource } from '../../src/credentials/index.js';
import { Logger } from '../../src/runtime/logger.js';
import { GordoClient } from './client.js';
import { GordoModelCache } from './GordoModelCache.js';
import { parseGordoModelInfoConfig, parseGordoPredictorConfig, type GordoConnectionConfig, type GordoModelInfoConfig, type GordoPredictorConfig } from './config.js';
import { GordoModelExecutionProvider } from './GordoModelExecutionProvider.js';
import { GordoModelInformationProvider } from './GordoModelInformationProvider.js';

/**
 * One client (one socket pool) and one metadata cache per gateway and process: an executor binds both the
 * model-information and the model-execution provider, and they should share both.
 */
const connections = new Map<string, { client: GordoClient; models: GordoModelCache }>();

export function gordoConnection(config: GordoConnectionConfig, metadataCacheSize = 20_000): { client: GordoClient; models: GordoModelCache } {
  const key = JSON.stringify([config.url, config.timeoutMs, config.maxConnections, config.credential?.path ?? null]);
  let connection = connections.get(key);
  if (connection === undefined) {
    const client = new GordoClient({
      baseUrl: config.url, timeoutMs: config.timeoutMs, maxSockets: config.maxConnections,
      ...(config.credential ? { tokens: createBearerTokenSource(config.credential) } : {}),
    });
    connection = { client, models: new GordoModelCache(client, metadataCacheSize) };
    connections.set(key, connection);
  }
  return connection;
}

/** `model_info: { type: gordo }`: the models the Gordo servers of the configured projects serve. */
export const gordoModelInfo: ProviderModule<GordoModelInfoConfig> = {
  parseConfig: parseGordoModelInfoConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(ModelInformationProvider).toResolvedValue((log: Logger) => {
      const { client, models } = gordoConnection(config);
      return new GordoModelInformationProvider(client, { projects: config.projects, models }, log.child({ component: 'gordo-models' }));
    }, [Logger]).inSingletonScope();
  }),
};

/** `predictor: { type: gordo }`: predictions from the Gordo ML servers. */
export const gordoPredictor: ProviderModule<GordoPredictorConfig> = {
  parseConfig: parseGordoPredictorConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(ModelExecutionProvider).toResolvedValue((sensorData: SensorDataProvider, log: Logger) => {
      const { client, models } = gordoConnection(config, config.metadataCacheSize);
      return new GordoModelExecutionProvider(client, sensorData, { ...config, models }, log.child({ component: 'gordo-predictor' }));
    }, [SensorDataProvider, Logger]).inSingletonScope();
  }),
};
