/**
 * The conformance suites, exported as `latigo/testing` so a third-party provider can run them against
 * itself from a mocha file, e.g. `describeTaskQueueContract('my queue', async () => ({ ... }))`.
 */
export * from './TaskQueueContract.js';
export * from './SensorDataContract.js';
export * from './SensorInformationContract.js';
export * from './ModelInformationContract.js';
export * from './PredictionStorageContract.js';
export * from './PredictionReaderContract.js';
export * from './ModelExecutionContract.js';
export * from './checkpointStoreContract.js';
export * from './providerHarness.js';
