import { ContainerModule } from 'inversify';
import { ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { ProviderModule } from '../../src/contracts/ProviderModule.js';
import { Logger } from '../../src/runtime/logger.js';
import { GordoResourceClient } from './client.js';
import { parseKubernetesModelInfoConfig, type KubernetesModelInfoConfig } from './config.js';
import { KubernetesModelInformationProvider } from './KubernetesModelInformationProvider.js';

/** `model_info: { type: kubernetes }`: models from the Gordo custom resources. */
export const kubernetesModelInfo: ProviderModule<KubernetesModelInfoConfig> = {
  parseConfig: parseKubernetesModelInfoConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(ModelInformationProvider).toResolvedValue((log: Logger) =>
      new KubernetesModelInformationProvider(new GordoResourceClient(config), config.projects ? { projects: config.projects } : {},
        log.child({ component: 'kubernetes-models' })),
    [Logger]).inSingletonScope();
  }),
};
