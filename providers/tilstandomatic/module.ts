import { ContainerModule } from 'inversify';
import { ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { ProviderModule } from '../../src/contracts/ProviderModule.js';
import { SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import { createBearerTokenSource } from '../../src/credentials/index.js';
import { Clock } from '../../src/runtime/clock.js';
import { Logger } from '../../src/runtime/logger.js';
import { FileCatalogueSource, HttpCatalogueSource, type CatalogueSource } from './CatalogueSource.js';
import { parseTilstandomaticConfig, type TilstandomaticConfig } from './config.js';
import { TilstandomaticCatalogue } from './TilstandomaticCatalogue.js';
import { TilstandomaticModelInformation } from './TilstandomaticModelInformation.js';
import { TilstandomaticSensorInformation } from './TilstandomaticSensorInformation.js';

export function createCatalogueSource(config: TilstandomaticConfig): CatalogueSource {
  const { source } = config;
  return source.kind === 'files'
    ? new FileCatalogueSource(source.files)
    : HttpCatalogueSource.create(source.url, config.timeoutMs, source.credential && createBearerTokenSource(source.credential));
}

export const tilstandomaticModelInfo: ProviderModule<TilstandomaticConfig> = {
  parseConfig: parseTilstandomaticConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(ModelInformationProvider).toResolvedValue((log: Logger, clock: () => number) =>
      new TilstandomaticModelInformation(new TilstandomaticCatalogue(createCatalogueSource(config), config, log.child({ component: 'tilstandomatic' }), clock)),
    [Logger, Clock]).inSingletonScope();
  }),
};

export const tilstandomaticSensorInformation: ProviderModule<TilstandomaticConfig> = {
  parseConfig: parseTilstandomaticConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(SensorInformationProvider).toResolvedValue((log: Logger, clock: () => number) =>
      new TilstandomaticSensorInformation(new TilstandomaticCatalogue(createCatalogueSource(config), config, log.child({ component: 'tilstandomatic' }), clock)),
    [Logger, Clock]).inSingletonScope();
  }),
};
