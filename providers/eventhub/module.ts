import type { HealthCheck } from '../../src/contracts/HealthCheck.js';
import { defineProvider } from '../../src/provider/defineProvider.js';
import { createEventHubTables } from './migrations.js';
import { parseEventHubConfig, withExecutorPools, type EventHubQueueConfig } from './config.js';
import { DatabaseCheckpointStore } from './DatabaseCheckpointStore.js';
import { DeadLetterLog } from './DeadLetterLog.js';
import { EventHubQueueInspector } from './EventHubQueueInspector.js';
import { EventHubsTaskQueue } from './EventHubsTaskQueue.js';
import { PoolHubs } from './PoolHubs.js';

/** `task_queue: { type: eventhub }`: tasks on Azure Event Hubs, ownership and checkpoints in the service's database. */
export const eventHubProvider = defineProvider({
  name: 'eventhub',
  migrations: [createEventHubTables],
  sections: {
    task_queue: {
      parseConfig: parseEventHubConfig,
      withExecutorPools,
      capabilities: ['queueInspector', 'healthCheck'],
      async create(config, deps) {
        const db = await deps.database();
        const deadLetters = new DeadLetterLog(db, deps.clock);
        const checkpointStore = new DatabaseCheckpointStore(db, deps.clock);
        const hubQueue = (hubConfig: EventHubQueueConfig) =>
          EventHubsTaskQueue.create({
            config: hubConfig,
            identifier: deps.processName,
            log: deps.log,
            checkpointStore,
            deadLetters,
            observer: deps.metrics,
          });
        // With executor pools, a hub each (the section's own for the kinds of no pool); every one is reached
        // at start-up, so a missing pool hub stops the process as a missing section hub does.
        const poolHubs = await Promise.all(
          Object.entries(config.pools).map(async ([name, pool]) => [name, await hubQueue({ ...config, ...pool, pools: {} })] as const),
        );
        const sectionHub = await hubQueue(config);
        const queue = poolHubs.length === 0 ? sectionHub : new PoolHubs(config, new Map([['', sectionHub], ...poolHubs]));
        // Closed before the database: closing writes the last checkpoints and hands the partitions back.
        db.onClose(() => queue.close());
        const queueInspector = new EventHubQueueInspector(
          {
            eventHubName: config.eventHubName,
            consumerGroup: config.consumerGroup,
            depth: () => queue.depth(),
            send: (m, o) => queue.send(m, o),
            poolHubs: poolHubs.map(([name, hub]) => ({ eventHubName: config.pools[name]!.eventHubName, send: (m, o) => hub.send(m, o) })),
            ...(queue instanceof PoolHubs ? { readyByPool: () => queue.readyByPool() } : {}),
          },
          deadLetters,
        );
        // Reading every partition's properties is the check that the hub answers with these credentials.
        const healthCheck: HealthCheck = {
          name: 'queue',
          check: async () => {
            await queue.depth();
          },
        };
        return { service: queue, capabilities: { queueInspector, healthCheck } };
      },
    },
  },
});
export default eventHubProvider;
