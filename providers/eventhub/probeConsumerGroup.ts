import { latestEventPosition, type EventHubConsumerClient } from '@azure/event-hubs';
import { ProviderError } from '../../src/runtime/errors.js';
import { innerErrors, redactSecrets } from './errors.js';

/** The calls the probe makes on a consumer client without a checkpoint store. */
export type ProbeConsumerLike = Pick<EventHubConsumerClient, 'subscribe' | 'close'>;

/**
 * Attaches one receiver to `partitionId` of the consumer group, from the latest event (so it reads and
 * checkpoints nothing), and waits for the first sign: the link is up (the SDK's first, empty, batch) or
 * refused. A group the hub does not know is refused with MessagingEntityNotFoundError; without this probe
 * the load-balancing consumer would only log that error every loop and never read (issue 14). Any other
 * refusal (a reader with an owner level already holds the partition, an outage) says nothing against the
 * group: the probe passes and the consumer's own retries take over. Closes the client either way.
 */
export async function probeConsumerGroup(
  client: ProbeConsumerLike,
  partitionId: string,
  describe: { target: string; consumerGroup: string },
  timeoutMs: number,
): Promise<void> {
  let refusal: unknown;
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const done = (err?: unknown) => {
        refusal ??= err;
        clearTimeout(timer);
        resolve();
      };
      client.subscribe(
        partitionId,
        {
          // eslint-disable-next-line @typescript-eslint/require-await -- the SDK takes promise-returning handlers
          processEvents: async () => done(),
          // eslint-disable-next-line @typescript-eslint/require-await -- the SDK takes promise-returning handlers
          processError: async (err) => done(err),
        },
        { startPosition: latestEventPosition, maxBatchSize: 1, maxWaitTimeInSeconds: 0.2 },
      );
    });
  } finally {
    await client.close().catch(() => undefined);
  }
  const notFound = refusal !== undefined && innerErrors(refusal).some((e) => (e.code ?? e.name) === 'MessagingEntityNotFoundError');
  if (notFound) {
    const detail = redactSecrets(innerErrors(refusal).at(-1)?.message ?? '');
    throw new ProviderError(
      `Event Hubs has no consumer group "${describe.consumerGroup}" on ${describe.target} (task_queue.consumer_group; MessagingEntityNotFoundError): ${detail}`,
      { retryable: false, cause: refusal },
    );
  }
}
