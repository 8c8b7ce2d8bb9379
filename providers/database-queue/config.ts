import { z } from 'zod';
import { parseWith, positiveDuration, readRenamedKeys, retryPolicy, type RenamedKey } from '../../src/config/schema.js';

/** Options of the embedded (database) task queue: `task_queue: { type: embedded, ... }`. */
const queueSchema = z
  .strictObject({
    /** A leased message not acked within this is delivered again (an executor died or hung). Leases are not
     *  renewed, so it must exceed `executor.task_timeout` (loadConfig refuses a configuration where it does not). */
    visibility_timeout: positiveDuration.default(60_000),
    /** Redelivery of a failed task: `maximum_attempts` deliveries before it is dead-lettered, waiting the
     *  backoff between them (unless the failure asked for a longer Retry-After). README "Retries". */
    retry: retryPolicy({ maximumAttempts: 5, initialIntervalMs: 5_000, backoffCoefficient: 2, maximumIntervalMs: 300_000 }),
    /** How often an idle executor looks for new messages. */
    poll_interval: positiveDuration.default(250),
  })
  .transform((c) => ({
    visibilityTimeoutMs: c.visibility_timeout,
    retry: c.retry,
    pollIntervalMs: c.poll_interval,
  }));
export type EmbeddedQueueConfig = z.output<typeof queueSchema>;
/** Keys renamed in this release: the one retry block is `retry`. */
const queueRenamedKeys: readonly RenamedKey[] = [
  { from: 'max_attempts', to: 'retry.maximum_attempts' },
  { from: 'retry_backoff', to: 'retry.initial_interval' },
  { from: 'max_retry_backoff', to: 'retry.maximum_interval' },
];
export const parseEmbeddedQueueConfig = (raw: unknown, path: string) =>
  parseWith(queueSchema, readRenamedKeys(raw, path, queueRenamedKeys), path);
