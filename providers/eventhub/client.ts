import {
  EventHubConsumerClient,
  EventHubProducerClient,
  RetryMode,
  type CheckpointStore,
  type EventHubClientOptions,
} from '@azure/event-hubs';
import { DefaultAzureCredential } from '@azure/identity';
import type { EventHubQueueConfig } from './config.js';
import { keepDeadRheaSocketsDead } from './rheaDeadSockets.js';

/** The SDK's client options from our configuration: retries, identifier (owner id) and load balancing. */
function clientOptions(config: EventHubQueueConfig, identifier: string): EventHubClientOptions {
  // Every client is built here: a client closed while connecting would otherwise keep the process alive 2 min.
  keepDeadRheaSocketsDead();
  return {
    identifier,
    // The SDK takes retries, not attempts, and backs off either fixed or doubling (with its own jitter).
    retryOptions: {
      maxRetries: config.connectionRetry.maximumAttempts - 1,
      mode: config.connectionRetry.backoffCoefficient === 1 ? RetryMode.Fixed : RetryMode.Exponential,
      retryDelayInMs: config.connectionRetry.initialIntervalMs,
      maxRetryDelayInMs: config.connectionRetry.maximumIntervalMs,
      timeoutInMs: config.operationTimeoutMs,
    },
  };
}

/** Builds the producer the scheduler sends with. Connects lazily (on first use). */
export function createProducer(config: EventHubQueueConfig, identifier: string): EventHubProducerClient {
  const options = clientOptions(config, identifier);
  const { connection } = config;
  return connection.kind === 'connection_string'
    ? new EventHubProducerClient(connection.connectionString, config.eventHubName, options)
    : new EventHubProducerClient(connection.fullyQualifiedNamespace, config.eventHubName, new DefaultAzureCredential(), options);
}

/** Builds a load-balancing consumer whose ownership and checkpoints live in `store`. */
export function createConsumer(config: EventHubQueueConfig, identifier: string, store: CheckpointStore): EventHubConsumerClient {
  const options = {
    ...clientOptions(config, identifier),
    loadBalancingOptions: {
      strategy: config.loadBalancing.strategy,
      updateIntervalInMs: config.loadBalancing.updateIntervalMs,
      partitionOwnershipExpirationIntervalInMs: config.loadBalancing.ownershipExpirationMs,
    },
  };
  const { connection } = config;
  return connection.kind === 'connection_string'
    ? new EventHubConsumerClient(config.consumerGroup, connection.connectionString, config.eventHubName, store, options)
    : new EventHubConsumerClient(
        config.consumerGroup,
        connection.fullyQualifiedNamespace,
        config.eventHubName,
        new DefaultAzureCredential(),
        store,
        options,
      );
}

/** A consumer without a checkpoint store (no ownership, no owner level), for the start-up probe. */
export function createProbeConsumer(config: EventHubQueueConfig, identifier: string): EventHubConsumerClient {
  const options = clientOptions(config, `${identifier}-probe`);
  const { connection } = config;
  return connection.kind === 'connection_string'
    ? new EventHubConsumerClient(config.consumerGroup, connection.connectionString, config.eventHubName, options)
    : new EventHubConsumerClient(
        config.consumerGroup,
        connection.fullyQualifiedNamespace,
        config.eventHubName,
        new DefaultAzureCredential(),
        options,
      );
}

/** Where the configuration points, without secrets: `<namespace>/<hub>`. */
export function describeTarget(config: EventHubQueueConfig): string {
  const { connection } = config;
  const namespace =
    connection.kind === 'credential'
      ? connection.fullyQualifiedNamespace
      : (/Endpoint\s*=\s*sb:\/\/([^/;]+)/i.exec(connection.connectionString)?.[1] ?? '(endpoint)');
  return `${namespace}/${config.eventHubName}`;
}
