export { influxPredictionStorage, influxSensorData, influxSensorInformation } from './module.js';
export type { InfluxPredictionConfig, InfluxSensorConfig } from './config.js';
