export { gordoProvider } from './module.js';
export type { GordoModelInfoConfig, GordoPredictorConfig, GordoConnectionConfig } from './config.js';
