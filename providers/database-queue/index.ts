import type { HealthCheck } from '../../src/contracts/HealthCheck.js';
import { defineProvider } from '../../src/provider/defineProvider.js';
import { addQueueLane, createQueueTables } from './migrations.js';
import { parseEmbeddedQueueConfig } from './config.js';
import { DatabaseTaskQueue } from './DatabaseTaskQueue.js';

/** The task queue in the service's own database (`task_queue: { type: embedded }`): a table, leased rows, LISTEN/NOTIFY on PostgreSQL. */
export const databaseQueueProvider = defineProvider({
  name: 'database-queue',
  migrations: [createQueueTables, addQueueLane],
  sections: {
    task_queue: {
      parseConfig: parseEmbeddedQueueConfig,
      leaseSettings: (config) => ({ visibilityTimeoutMs: config.visibilityTimeoutMs }),
      capabilities: ['queueInspector', 'healthCheck'],
      async create(config, deps) {
        const queue = new DatabaseTaskQueue(await deps.database(), config, deps.log, { owner: deps.processName, clock: deps.clock });
        // Counting the queue's messages is the check that its table answers.
        const healthCheck: HealthCheck = {
          name: 'queue',
          check: async (options) => {
            await queue.depth(options);
          },
        };
        return { service: queue, capabilities: { queueInspector: queue, healthCheck } };
      },
    },
  },
});
export default databaseQueueProvider;
