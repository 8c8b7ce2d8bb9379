export * from './CallOptions.js';
export * from './SensorInformationProvider.js';
export * from './SensorDataProvider.js';
export * from './ModelInformationProvider.js';
export * from './ModelExecutionProvider.js';
export * from './PredictionStorageProvider.js';
export * from './TaskQueue.js';
