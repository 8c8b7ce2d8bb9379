export * from './TimeRange.js';
export * from './SensorTag.js';
export * from './ModelDescription.js';
export * from './SensorFrame.js';
export * from './Prediction.js';
export * from './Task.js';
export * from './outputSeriesName.js';
export * from './tagFacility.js';
