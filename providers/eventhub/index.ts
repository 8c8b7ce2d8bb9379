export { eventHubProvider } from './module.js';
export { parseEventHubConfig, type EventHubQueueConfig } from './config.js';
export { DatabaseCheckpointStore } from './DatabaseCheckpointStore.js';
export { EventHubsTaskQueue, type EventHubsQueueStats } from './EventHubsTaskQueue.js';
