export { tilstandomaticProvider } from './module.js';
export { parseTilstandomaticConfig } from './config.js';
export type { TilstandomaticConfig } from './config.js';
