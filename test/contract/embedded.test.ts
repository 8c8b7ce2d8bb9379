import { DatabaseTaskQueue } from '../../providers/embedded/DatabaseTaskQueue.js';
import { parseEmbeddedQueueConfig } from '../../providers/embedded/config.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { describeEmbeddedProviderContracts } from '../fixtures/embeddedSubjects.js';
import { openTempDatabase } from '../unit/embedded/tempDatabase.js';
import { describeTaskQueueContract } from './TaskQueueContract.js';

// Each test gets a migrated SQLite file of its own in a fresh temporary folder.
// The sensor, model and prediction suites run on PostgreSQL too: embedded.postgres.test.ts.

describeTaskQueueContract('embedded DatabaseTaskQueue', async () => {
  const { db, cleanup } = await openTempDatabase();
  const config = parseEmbeddedQueueConfig(
    { visibility_timeout: '60s', max_attempts: 3, retry_backoff: '5s', max_retry_backoff: '1m', poll_interval: 10 }, 'task_queue');
  let now = Date.UTC(2026, 0, 1);
  const queue = new DatabaseTaskQueue(db, config, silentLogger, { owner: 'contract-test', clock: () => now });
  return {
    queue, cleanup,
    settings: { visibilityTimeoutMs: config.visibilityTimeoutMs, maxAttempts: config.maxAttempts, maxRetryBackoffMs: config.maxRetryBackoffMs },
    advanceClock: (ms: number) => { now += ms; },
  };
});

describeEmbeddedProviderContracts('SQLite', openTempDatabase);
