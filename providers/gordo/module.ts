import { defineProvider } from '../../src/provider/defineProvider.js';
import type { ProviderDeps } from '../../src/provider/ProviderDeps.js';
import { GordoClient } from './client.js';
import { GordoModelCache } from './GordoModelCache.js';
import { parseGordoModelInfoConfig, parseGordoPredictorConfig, type GordoConnectionConfig } from './config.js';
import { GordoModelExecutionProvider } from './GordoModelExecutionProvider.js';
import { GordoModelInformationProvider } from './GordoModelInformationProvider.js';

/**
 * One client (one socket pool) and one metadata cache per gateway and process: an executor uses both the
 * model-information and the model-execution section, and they share both.
 */
function gordoConnection(
  config: GordoConnectionConfig,
  deps: ProviderDeps,
  metadataCacheSize = 20_000,
): { client: GordoClient; models: GordoModelCache } {
  const key = JSON.stringify([config.url, config.timeoutMs, config.maxConnections, config.credential?.path ?? null]);
  return deps.shared(`connection ${key}`, () => {
    const client = new GordoClient({
      baseUrl: config.url,
      timeoutMs: config.timeoutMs,
      maxSockets: config.maxConnections,
      ...(config.credential ? { tokens: deps.credentials.tokenSource(config.credential) } : {}),
    });
    return { client, models: new GordoModelCache(client, metadataCacheSize) };
  });
}

/** `type: gordo`: `model_info` lists the models the Gordo servers serve, `predictor` runs them. */
export const gordoProvider = defineProvider({
  name: 'gordo',
  sections: {
    model_info: {
      parseConfig: parseGordoModelInfoConfig,
      create(config, deps) {
        const { client, models } = gordoConnection(config, deps);
        return { service: new GordoModelInformationProvider(client, { projects: config.projects, models }, deps.log) };
      },
    },
    predictor: {
      parseConfig: parseGordoPredictorConfig,
      async create(config, deps) {
        const { client, models } = gordoConnection(config, deps, config.metadataCacheSize);
        return { service: new GordoModelExecutionProvider(client, await deps.sensorData(), { ...config, models }, deps.log) };
      },
    },
  },
});
export default gordoProvider;
