import { defineProvider } from '../../src/provider/defineProvider.js';
import { GordoResourceClient } from './client.js';
import { parseKubernetesModelInfoConfig } from './config.js';
import { KubernetesModelInformationProvider } from './KubernetesModelInformationProvider.js';

/** `model_info: { type: kubernetes }`: models from the Gordo custom resources. */
export const kubernetesProvider = defineProvider({
  name: 'kubernetes',
  sections: {
    model_info: {
      parseConfig: parseKubernetesModelInfoConfig,
      create: (config, deps) => ({
        service: new KubernetesModelInformationProvider(
          new GordoResourceClient(config),
          config.projects ? { projects: config.projects } : {},
          deps.log,
        ),
      }),
    },
  },
});
export default kubernetesProvider;
