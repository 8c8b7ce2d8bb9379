import type { EventData, EventHubProducerClient } from '@azure/event-hubs';
import type { OutgoingMessage } from '../../src/contracts/TaskQueue.js';
import { reencodeTask } from '../../src/domain/taskCodec.js';
import { InvalidDataError, isInvalidDataError } from '../../src/runtime/errors.js';
import { toProviderError } from './errors.js';
import { hashToPartition } from './partitioning.js';

export type SendingProducer = Pick<EventHubProducerClient, 'createBatch' | 'sendBatch'>;

/**
 * Sends tasks in size-bounded batches, one series of batches per partition (side by side): the partition is
 * a stable hash of the message's partition key (the model), so one model's windows stay in order; each
 * batch is filled with `tryAdd` and sent when the next event does not fit. The task id is the event's
 * `messageId`. Resolves with the number of batches sent. A task larger than a whole batch is InvalidDataError.
 */
export async function sendTasks(
  producer: SendingProducer,
  partitionIds: readonly string[],
  messages: readonly OutgoingMessage[],
  options: { format: 'latigo' | 'python'; signal?: AbortSignal },
): Promise<number> {
  const byPartition = new Map<string, OutgoingMessage[]>();
  for (const message of messages) {
    const partitionId = partitionIds[hashToPartition(message.partitionKey ?? message.id, partitionIds.length)]!;
    let group = byPartition.get(partitionId);
    if (!group) byPartition.set(partitionId, (group = []));
    group.push(message);
  }
  const counts = await Promise.all([...byPartition].map(([partitionId, group]) => sendToPartition(producer, partitionId, group, options)));
  return counts.reduce((a, b) => a + b, 0);
}

async function sendToPartition(
  producer: SendingProducer,
  partitionId: string,
  messages: readonly OutgoingMessage[],
  options: { format: 'latigo' | 'python'; signal?: AbortSignal },
): Promise<number> {
  const abort = options.signal ? { abortSignal: options.signal } : {};
  let batches = 0;
  try {
    let batch = await producer.createBatch({ partitionId, ...abort });
    for (const message of messages) {
      const event = toEvent(message, options.format);
      if (batch.tryAdd(event)) continue;
      if (batch.count > 0) {
        await producer.sendBatch(batch, abort);
        batches++;
        batch = await producer.createBatch({ partitionId, ...abort });
        if (batch.tryAdd(event)) continue;
      }
      throw new InvalidDataError(
        `task ${message.id} (${message.body.length} characters) is larger than the hub accepts (${batch.maxSizeInBytes} bytes)`,
      );
    }
    if (batch.count > 0) {
      await producer.sendBatch(batch, abort);
      batches++;
    }
    return batches;
  } catch (err) {
    if (isInvalidDataError(err)) throw err;
    throw toProviderError(err, 'eventhub.send');
  }
}

function toEvent(message: OutgoingMessage, format: 'latigo' | 'python'): EventData {
  const body = reencodeTask(message.body, format);
  // Bytes, not a string: the SDK would JSON-encode a string a second time.
  return { body: Buffer.from(body, 'utf8'), messageId: message.id, contentType: 'application/json' };
}
