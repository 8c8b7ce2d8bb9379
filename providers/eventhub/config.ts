import { parseEventHubConnectionString } from '@azure/event-hubs';
import { z } from 'zod';
import { parseWith, positiveDuration, readRenamedKeys, retryPolicy, type RenamedKey } from '../../src/config/schema.js';
import type { RetryPolicy } from '../../src/runtime/retry.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { redactSecrets } from './errors.js';

/** `task_queue: { type: eventhub, ... }`. Defaults live here only. */
const eventHubSchema = z
  .strictObject({
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
    /** Redelivery of a failed task by this executor: `maximum_attempts` deliveries before it is dead-lettered,
     *  waiting the backoff between them (unless the failure asked for a longer Retry-After). README "Retries". */
    retry: retryPolicy({ maximumAttempts: 5, initialIntervalMs: 5_000, backoffCoefficient: 2, maximumIntervalMs: 300_000 }),
    /** What the scheduler sends: `latigo` (JSON task v1) or `python` (the Python latigo's task message, for a
     *  migration where Python executors still consume). Executors accept both either way. */
    message_format: z.enum(['latigo', 'python']).default('latigo'),
    load_balancing: z
      .strictObject({
        /** `balanced`: claim one partition per loop; `greedy`: all claimable at once. */
        strategy: z.enum(['balanced', 'greedy']).default('balanced'),
        /** How often each executor renews its partitions and looks for free ones. */
        update_interval: positiveDuration.default(10_000),
        /** A partition whose owner has not renewed for this long is free (its executor died). Keep it >= 3x update_interval. */
        ownership_expiration: positiveDuration.default(60_000),
      })
      .prefault({}),
    /** The SDK's retries of AMQP operations (connect, send, receive, management). The SDK backs off fixed
     *  (`backoff_coefficient: 1`) or doubling (`2`), with jitter of its own. */
    connection_retry: retryPolicy({
      maximumAttempts: 4,
      initialIntervalMs: 1_000,
      backoffCoefficient: 2,
      maximumIntervalMs: 30_000,
    }).refine((p) => p.backoffCoefficient === 1 || p.backoffCoefficient === 2, {
      path: ['backoff_coefficient'],
      message: 'expected 1 (fixed) or 2 (doubling): the only backoffs the Event Hubs SDK knows',
    }),
    /** Each attempt of an AMQP operation gives up after this. */
    operation_timeout: positiveDuration.default(60_000),
    /** A hub per executor pool (executor.pools), README "Executor pools": the scheduler sends a task to its
     *  kind's pool's hub, and `latigo executor --pool NAME` reads only that hub. */
    pools: z
      .record(
        z.string().min(1).max(64),
        z
          .strictObject({
            /** The pool's hub on another namespace or with its own key; the section's connection when omitted. */
            connection_string: z.string().min(1).optional(),
            /** The pool's hub; may be left out when the pool's connection string has `EntityPath`. */
            event_hub_name: z.string().min(1).optional(),
          })
          .refine((p) => p.connection_string !== undefined || p.event_hub_name !== undefined, {
            path: ['event_hub_name'],
            message: "expected the pool's hub: event_hub_name or a connection_string with EntityPath",
          }),
      )
      .default({}),
  })
  .superRefine((c, ctx) => {
    if ((c.connection_string === undefined) === (c.fully_qualified_namespace === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['connection_string'],
        message: 'expected either connection_string or fully_qualified_namespace (with credential), not both or neither',
      });
    } else if (c.fully_qualified_namespace !== undefined && c.credential === undefined) {
      ctx.addIssue({ code: 'custom', path: ['credential'], message: 'expected a credential (default) with fully_qualified_namespace' });
    }
    if (c.load_balancing.ownership_expiration < 2 * c.load_balancing.update_interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['load_balancing', 'ownership_expiration'],
        message: 'expected at least twice load_balancing.update_interval, or partitions bounce between executors',
      });
    }
  });

export type EventHubConnection =
  { kind: 'connection_string'; connectionString: string } | { kind: 'credential'; fullyQualifiedNamespace: string; credential: 'default' };

/** One executor pool's hub; `kinds` are the pool's model kinds (executor.pools), filled in by withExecutorPools. */
export interface EventHubPool {
  readonly connection: EventHubConnection;
  readonly eventHubName: string;
  readonly kinds: readonly string[];
}

export interface EventHubQueueConfig {
  readonly connection: EventHubConnection;
  /** The hub of the tasks whose kind is in no pool, read by executors without a pool. */
  readonly eventHubName: string;
  /** The hub of each executor pool, by pool name; empty without pools. */
  readonly pools: Readonly<Record<string, EventHubPool>>;
  readonly consumerGroup: string;
  readonly startPosition: 'earliest' | 'latest';
  readonly maxBatchSize: number;
  readonly maxWaitTimeMs: number;
  readonly maxUnsettledPerPartition: number;
  /** Redelivery of failed tasks. */
  readonly retry: RetryPolicy;
  readonly messageFormat: 'latigo' | 'python';
  readonly loadBalancing: { strategy: 'balanced' | 'greedy'; updateIntervalMs: number; ownershipExpirationMs: number };
  /** The SDK's retries of AMQP operations. */
  readonly connectionRetry: RetryPolicy;
  readonly operationTimeoutMs: number;
}

/**
 * Keys renamed in this release: `retry` is now the one retry block of task redelivery (as in the embedded
 * queue), so the SDK's block moved to `connection_retry`; the old `retry.*` keys move out before
 * `max_attempts` and the backoffs move in.
 */
const renamedKeys: readonly RenamedKey[] = [
  {
    from: 'retry.max_retries',
    to: 'connection_retry.maximum_attempts',
    convert: (retries) => (typeof retries === 'number' ? retries + 1 : retries),
  },
  {
    from: 'retry.mode',
    to: 'connection_retry.backoff_coefficient',
    convert: (mode) => (mode === 'fixed' ? 1 : mode === 'exponential' ? 2 : mode),
  },
  { from: 'retry.delay', to: 'connection_retry.initial_interval' },
  { from: 'retry.max_delay', to: 'connection_retry.maximum_interval' },
  { from: 'retry.timeout', to: 'operation_timeout' },
  { from: 'max_attempts', to: 'retry.maximum_attempts' },
  { from: 'retry_backoff', to: 'retry.initial_interval' },
  { from: 'max_retry_backoff', to: 'retry.maximum_interval' },
];

/** Validates the section; a malformed connection string is a ConfigError with its key redacted. */
export function parseEventHubConfig(raw: unknown, path: string): EventHubQueueConfig {
  const c = parseWith(eventHubSchema, readRenamedKeys(raw, path, renamedKeys), path);
  const connection: EventHubConnection =
    c.connection_string !== undefined
      ? { kind: 'connection_string', connectionString: c.connection_string }
      : { kind: 'credential', fullyQualifiedNamespace: c.fully_qualified_namespace!, credential: c.credential! };
  const eventHubName = hubName(c.connection_string, c.event_hub_name, path);
  const pools: Record<string, EventHubPool> = {};
  const hubsSeen = new Map([[eventHubName.toLowerCase(), `${path}.event_hub_name`]]);
  for (const [name, pool] of Object.entries(c.pools)) {
    const poolPath = `${path}.pools.${name}`;
    const hub = hubName(pool.connection_string, pool.event_hub_name, poolPath);
    // Two readers of one hub would each read the other's kinds: a pool's hub is its own.
    const other = hubsSeen.get(hub.toLowerCase());
    if (other !== undefined)
      throw new ConfigError(`${poolPath}.event_hub_name`, `hub "${hub}" is already ${other}'s; each pool needs a hub of its own`);
    hubsSeen.set(hub.toLowerCase(), `${poolPath}.event_hub_name`);
    pools[name] = {
      connection:
        pool.connection_string !== undefined
          ? { kind: 'connection_string', connectionString: pool.connection_string }
          : withoutEntityPath(connection),
      eventHubName: hub,
      kinds: [],
    };
  }
  return {
    connection,
    eventHubName,
    pools,
    consumerGroup: c.consumer_group,
    startPosition: c.start_position,
    maxBatchSize: c.max_batch_size,
    maxWaitTimeMs: c.max_wait_time,
    maxUnsettledPerPartition: c.max_unsettled_per_partition,
    retry: c.retry,
    messageFormat: c.message_format,
    loadBalancing: {
      strategy: c.load_balancing.strategy,
      updateIntervalMs: c.load_balancing.update_interval,
      ownershipExpirationMs: c.load_balancing.ownership_expiration,
    },
    connectionRetry: c.connection_retry,
    operationTimeoutMs: c.operation_timeout,
  };
}

/** The section's connection for another hub: the SDK refuses a hub name that differs from an EntityPath. */
function withoutEntityPath(connection: EventHubConnection): EventHubConnection {
  if (connection.kind !== 'connection_string') return connection;
  const parts = connection.connectionString.split(';').filter((part) => !/^\s*EntityPath\s*=/.test(part));
  return { kind: 'connection_string', connectionString: parts.join(';') };
}

/** The hub a `connection_string` / `event_hub_name` pair names at `path` (they must agree when both name one). */
function hubName(connectionString: string | undefined, eventHubName: string | undefined, path: string): string {
  if (connectionString !== undefined) {
    let entityPath: string | undefined;
    try {
      entityPath = parseEventHubConnectionString(connectionString).eventHubName;
    } catch (err) {
      throw new ConfigError(
        `${path}.connection_string`,
        `expected an Event Hubs connection string: ${redactSecrets((err as Error).message)}`,
      );
    }
    if (entityPath !== undefined && eventHubName !== undefined && entityPath !== eventHubName) {
      throw new ConfigError(`${path}.event_hub_name`, `"${eventHubName}" differs from the connection string's EntityPath "${entityPath}"`);
    }
    eventHubName ??= entityPath;
  }
  if (eventHubName === undefined)
    throw new ConfigError(`${path}.event_hub_name`, 'expected the hub name (or EntityPath in the connection string)');
  return eventHubName;
}

/**
 * Checks the hubs against executor.pools and keeps each pool's kinds (the scheduler routes by them): every
 * executor pool needs a hub (else its executors would read every kind), every hub names a defined pool.
 */
export function withExecutorPools(
  config: EventHubQueueConfig,
  executorPools: Readonly<Record<string, readonly string[]>>,
  path: string,
): EventHubQueueConfig {
  for (const name of Object.keys(config.pools)) {
    if (executorPools[name] === undefined) {
      const defined = Object.keys(executorPools).join(', ') || '(none)';
      throw new ConfigError(`${path}.pools.${name}`, `unknown pool "${name}"; executor.pools defines: ${defined}`);
    }
  }
  const kindHub = new Map<string, string>();
  const pools: Record<string, EventHubPool> = {};
  for (const [name, kinds] of Object.entries(executorPools)) {
    const pool = config.pools[name];
    if (pool === undefined) {
      throw new ConfigError(
        `${path}.pools.${name}`,
        `expected a hub for executor pool "${name}" (event_hub_name): on Event Hubs a pool reads a hub of its own`,
      );
    }
    for (const kind of kinds) {
      const other = kindHub.get(kind);
      if (other !== undefined && other !== name) {
        throw new ConfigError(
          `executor.pools.${name}`,
          `kind "${kind}" is also pool "${other}"'s; on Event Hubs a kind goes to one pool's hub`,
        );
      }
      kindHub.set(kind, name);
    }
    pools[name] = { ...pool, kinds };
  }
  return { ...config, pools };
}
