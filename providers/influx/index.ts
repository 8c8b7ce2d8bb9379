export { influxProvider } from './module.js';
export type { InfluxPredictionConfig, InfluxSensorConfig } from './config.js';
