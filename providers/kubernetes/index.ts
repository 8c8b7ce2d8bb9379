export { kubernetesModelInfo } from './module.js';
export type { KubernetesModelInfoConfig } from './config.js';
