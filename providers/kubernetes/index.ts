export { kubernetesProvider } from './module.js';
export type { KubernetesModelInfoConfig } from './config.js';
