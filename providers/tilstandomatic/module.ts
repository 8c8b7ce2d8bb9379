import type { Credentials, ProviderDeps } from '../../src/provider/ProviderDeps.js';
import { defineProvider } from '../../src/provider/defineProvider.js';
import { FileCatalogueSource, HttpCatalogueSource, type CatalogueSource } from './CatalogueSource.js';
import { parseTilstandomaticConfig, type TilstandomaticConfig } from './config.js';
import { TilstandomaticCatalogue } from './TilstandomaticCatalogue.js';
import { TilstandomaticModelInformation } from './TilstandomaticModelInformation.js';
import { TilstandomaticSensorInformation } from './TilstandomaticSensorInformation.js';

export function createCatalogueSource(config: TilstandomaticConfig, credentials: Credentials): CatalogueSource {
  const { source } = config;
  return source.kind === 'files'
    ? new FileCatalogueSource(source.files)
    : HttpCatalogueSource.create(source.url, config.timeoutMs, source.credential && credentials.tokenSource(source.credential));
}

/** One catalogue (and its cache) per configured source: model_info and sensor_information on the same source share it. */
function catalogue(config: TilstandomaticConfig, deps: ProviderDeps): TilstandomaticCatalogue {
  return deps.shared(
    `catalogue ${JSON.stringify(config)}`,
    () => new TilstandomaticCatalogue(createCatalogueSource(config, deps.credentials), config, deps.log, deps.clock),
  );
}

/** `type: tilstandomatic`: models and sensors from a Tilstandomatic (Gordo) catalogue. */
export const tilstandomaticProvider = defineProvider({
  name: 'tilstandomatic',
  sections: {
    model_info: {
      parseConfig: parseTilstandomaticConfig,
      create: (config, deps) => ({ service: new TilstandomaticModelInformation(catalogue(config, deps)) }),
    },
    sensor_information: {
      parseConfig: parseTilstandomaticConfig,
      create: (config, deps) => ({ service: new TilstandomaticSensorInformation(catalogue(config, deps)) }),
    },
  },
});
export default tilstandomaticProvider;
