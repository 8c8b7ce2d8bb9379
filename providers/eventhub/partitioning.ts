import { createHash } from 'node:crypto';

/**
 * The partition index of a partition key: the same key always lands on the same partition while the hub
 * keeps its partition count, so one model's windows stay in order. Chosen by the sender (as the SDK's
 * buffered producer does) rather than the service, so one batch can carry many models' tasks: a batch sent
 * with a partition key may hold events of that one key only.
 */
export function hashToPartition(key: string, partitionCount: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % partitionCount;
}
