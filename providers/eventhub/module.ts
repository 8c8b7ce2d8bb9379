import { ContainerModule } from 'inversify';
import { ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import type { ProviderModule } from '../../src/contracts/ProviderModule.js';
import { TaskQueue } from '../../src/contracts/TaskQueue.js';
import { Database } from '../../src/persistence/dataSource.js';
import { Clock, ProcessName } from '../../src/runtime/clock.js';
import { Logger } from '../../src/runtime/logger.js';
import { parseEventHubConfig, type EventHubQueueConfig } from './config.js';
import { DatabaseCheckpointStore } from './DatabaseCheckpointStore.js';
import { DeadLetterLog } from './DeadLetterLog.js';
import { EventHubsTaskQueue, type QueueCallObserver } from './EventHubsTaskQueue.js';

/** The process's metrics, when the composition root bound them (its MetricsToken); providers may not import it. */
const Metrics = Symbol.for('latigo.Metrics');

/** `task_queue: { type: eventhub }`: tasks on Azure Event Hubs, ownership and checkpoints in the service's database. */
export const eventHubTaskQueue: ProviderModule<EventHubQueueConfig> = {
  parseConfig: parseEventHubConfig,
  load: (config) => new ContainerModule(({ bind }) => {
    bind(TaskQueue).toResolvedValue(async (db: Database, log: Logger, processName: string, clock: () => number, models: ModelInformationProvider,
      observer: QueueCallObserver | undefined) => {
      const queue = await EventHubsTaskQueue.create({
        config, identifier: processName, log: log.child({ component: 'eventhub-queue' }),
        checkpointStore: new DatabaseCheckpointStore(db, clock), deadLetters: new DeadLetterLog(db, clock),
        currentRevision: async (project, model) => (await models.describeModel(project, model)).revision,
        ...(observer ? { observer } : {}),
      });
      // Closed before the database: closing writes the last checkpoints and hands the partitions back.
      db.onClose(() => queue.close());
      return queue;
    }, [Database, Logger, ProcessName, Clock, ModelInformationProvider, { serviceIdentifier: Metrics, optional: true }]).inSingletonScope();
  }),
};
