import { parseEventHubConnectionString } from '@azure/event-hubs';
import { z } from 'zod';
import { duration, parseWith, positiveDuration } from '../../src/config/schema.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { redactSecrets } from './errors.js';

/** `task_queue: { type: eventhub, ... }`. Defaults live here only. */
const eventHubSchema = z.strictObject({
  /** `Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...[;EntityPath=<hub>]`; from the environment
   *  (`${LATIGO_EVENTHUB_CONNECTION_STRING}`). Either this or `fully_qualified_namespace` + `credential`. */
  connection_string: z.string().min(1).optional(),
  /** `<namespace>.servicebus.windows.net`, with `credential`: Entra ID instead of a shared key. */
  fully_qualified_namespace: z.string().min(1).optional(),
  /** `default`: @azure/identity's DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI). */
  credential: z.enum(['default']).optional(),
  /** The hub; may be left out when the connection string has `EntityPath`. */
  event_hub_name: z.string().min(1).optional(),
  consumer_group: z.string().min(1).default('$Default'),
  /** Where a consumer group without checkpoints starts: `earliest`, so tasks sent before the executors attached are not lost. */
  start_position: z.enum(['earliest', 'latest']).default('earliest'),
  /** Events per partition handed over in one go by the SDK (its `maxBatchSize`). */
  max_batch_size: z.number().int().positive().max(1000).default(100),
  /** How long the SDK waits to fill a batch before handing over what it has. */
  max_wait_time: positiveDuration.default(1_000),
  /** Received but unfinished events per partition before the executor stops fetching from it (backpressure). */
  max_unsettled_per_partition: z.number().int().positive().default(200),
  /** Deliveries of a failing task (transient errors) before it is dead-lettered; retried by this executor. */
  max_attempts: z.number().int().positive().default(5),
  /** First redelivery delay after a transient failure; doubles per attempt up to max_retry_backoff. */
  retry_backoff: duration.default(5_000),
  max_retry_backoff: duration.default(300_000),
  /** What the scheduler sends: `latigo` (JSON task v1) or `python` (the Python latigo's task message, for a
   *  migration where Python executors still consume). Executors accept both either way. */
  message_format: z.enum(['latigo', 'python']).default('latigo'),
  load_balancing: z.strictObject({
    /** `balanced`: claim one partition per loop; `greedy`: all claimable at once. */
    strategy: z.enum(['balanced', 'greedy']).default('balanced'),
    /** How often each executor renews its partitions and looks for free ones. */
    update_interval: positiveDuration.default(10_000),
    /** A partition whose owner has not renewed for this long is free (its executor died). Keep it >= 3x update_interval. */
    ownership_expiration: positiveDuration.default(60_000),
  }).prefault({}),
  /** The SDK's retries of AMQP operations (connect, send, receive, management). */
  retry: z.strictObject({
    max_retries: z.number().int().nonnegative().default(3),
    mode: z.enum(['exponential', 'fixed']).default('exponential'),
    delay: positiveDuration.default(1_000),
    max_delay: positiveDuration.default(30_000),
    /** Each attempt of an operation gives up after this. */
    timeout: positiveDuration.default(60_000),
  }).prefault({}),
}).superRefine((c, ctx) => {
  if ((c.connection_string === undefined) === (c.fully_qualified_namespace === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['connection_string'], message: 'expected either connection_string or fully_qualified_namespace (with credential), not both or neither' });
  } else if (c.fully_qualified_namespace !== undefined && c.credential === undefined) {
    ctx.addIssue({ code: 'custom', path: ['credential'], message: 'expected a credential (default) with fully_qualified_namespace' });
  }
  if (c.load_balancing.ownership_expiration < 2 * c.load_balancing.update_interval) {
    ctx.addIssue({ code: 'custom', path: ['load_balancing', 'ownership_expiration'], message: 'expected at least twice load_balancing.update_interval, or partitions bounce between executors' });
  }
});

export interface EventHubQueueConfig {
  readonly connection: { kind: 'connection_string'; connectionString: string } | { kind: 'credential'; fullyQualifiedNamespace: string; credential: 'default' };
  readonly eventHubName: string;
  readonly consumerGroup: string;
  readonly startPosition: 'earliest' | 'latest';
  readonly maxBatchSize: number;
  readonly maxWaitTimeMs: number;
  readonly maxUnsettledPerPartition: number;
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;
  readonly maxRetryBackoffMs: number;
  readonly messageFormat: 'latigo' | 'python';
  readonly loadBalancing: { strategy: 'balanced' | 'greedy'; updateIntervalMs: number; ownershipExpirationMs: number };
  readonly retry: { maxRetries: number; mode: 'exponential' | 'fixed'; delayMs: number; maxDelayMs: number; timeoutMs: number };
}

/** Validates the section; a malformed connection string is a ConfigError with its key redacted. */
export function parseEventHubConfig(raw: unknown, path: string): EventHubQueueConfig {
  const c = parseWith(eventHubSchema, raw, path);
  let eventHubName = c.event_hub_name;
  if (c.connection_string !== undefined) {
    let entityPath: string | undefined;
    try {
      entityPath = parseEventHubConnectionString(c.connection_string).eventHubName;
    } catch (err) {
      throw new ConfigError(`${path}.connection_string`, `expected an Event Hubs connection string: ${redactSecrets((err as Error).message)}`);
    }
    if (entityPath !== undefined && eventHubName !== undefined && entityPath !== eventHubName) {
      throw new ConfigError(`${path}.event_hub_name`, `"${eventHubName}" differs from the connection string's EntityPath "${entityPath}"`);
    }
    eventHubName ??= entityPath;
  }
  if (eventHubName === undefined) throw new ConfigError(`${path}.event_hub_name`, 'expected the hub name (or EntityPath in the connection string)');
  return {
    connection: c.connection_string !== undefined
      ? { kind: 'connection_string', connectionString: c.connection_string }
      : { kind: 'credential', fullyQualifiedNamespace: c.fully_qualified_namespace!, credential: c.credential! },
    eventHubName, consumerGroup: c.consumer_group, startPosition: c.start_position,
    maxBatchSize: c.max_batch_size, maxWaitTimeMs: c.max_wait_time, maxUnsettledPerPartition: c.max_unsettled_per_partition,
    maxAttempts: c.max_attempts, retryBackoffMs: c.retry_backoff, maxRetryBackoffMs: c.max_retry_backoff, messageFormat: c.message_format,
    loadBalancing: {
      strategy: c.load_balancing.strategy, updateIntervalMs: c.load_balancing.update_interval,
      ownershipExpirationMs: c.load_balancing.ownership_expiration,
    },
    retry: { maxRetries: c.retry.max_retries, mode: c.retry.mode, delayMs: c.retry.delay, maxDelayMs: c.retry.max_delay, timeoutMs: c.retry.timeout },
  };
}
