export { dataApiProvider } from './module.js';
export { parseDataApiConfig } from './config.js';
export type { DataApiConfig } from './config.js';
