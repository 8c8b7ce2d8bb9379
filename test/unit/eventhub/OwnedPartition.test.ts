import type { PartitionContext, ReceivedEventData } from '@azure/event-hubs';
import { expect } from 'chai';
import { OwnedPartition } from '../../../providers/eventhub/OwnedPartition.js';
import { ProviderError } from '../../../src/runtime/errors.js';

/** A partition context whose checkpoint writes are recorded, and fail while `failing` is set. */
function context() {
  const written: number[] = [];
  const state = { failing: false };
  const ctx = {
    partitionId: '0',
    fullyQualifiedNamespace: 'ns',
    eventHubName: 'hub',
    consumerGroup: '$default',
    updateCheckpoint: async (event: ReceivedEventData) => {
      await Promise.resolve();
      // What DatabaseCheckpointStore throws when the database is busy.
      if (state.failing) throw new ProviderError('eventhub checkpoint store failed (SQLITE_BUSY): database is locked', { retryable: true });
      written.push(event.sequenceNumber);
    },
  } as unknown as PartitionContext;
  return { ctx, written, state };
}

const event = (sequenceNumber: number) => ({ sequenceNumber, offset: String(sequenceNumber * 100) }) as ReceivedEventData;

describe('OwnedPartition', () => {
  it('writes checkpoints past the finished prefix only, sharing writes between acks that finish together', async () => {
    const { ctx, written } = context();
    const partition = new OwnedPartition(ctx, 100, () => undefined);
    const handles = [0, 1, 2, 3].map((n) => partition.add(event(n)));
    await partition.finish(handles[1]!);
    expect(written).to.deep.equal([]);
    await Promise.all([partition.finish(handles[0]!), partition.finish(handles[3]!), partition.finish(handles[2]!)]);
    // Never backwards, and the last write is the end of the prefix.
    expect(written.at(-1)).to.equal(3);
    expect([...written].sort((a, b) => a - b)).to.deep.equal(written);
    expect(written.length).to.be.at.most(2);
  });

  it("rejects an ack whose checkpoint write failed with the store's retryable error, and flush writes it later", async () => {
    const { ctx, written, state } = context();
    const outcomes: (string | undefined)[] = [];
    const partition = new OwnedPartition(ctx, 100, (_ms, err) => outcomes.push(err === undefined ? 'ok' : 'failed'));
    state.failing = true;
    let error: unknown;
    try {
      await partition.finish(partition.add(event(0)));
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ProviderError);
    expect((error as ProviderError).retryable).to.equal(true);
    state.failing = false;
    await partition.flush();
    expect(written).to.deep.equal([0]);
    expect(outcomes).to.deep.equal(['failed', 'ok']);
  });

  it('holds the pump while too many events are unfinished, and lets it go on finish or close', async () => {
    const { ctx } = context();
    const partition = new OwnedPartition(ctx, 2, () => undefined);
    const first = partition.add(event(0));
    partition.add(event(1));
    let released = false;
    const waiting = partition
      .waitForRoom(() => false)
      .then(() => {
        released = true;
      });
    await Promise.resolve();
    expect(released).to.equal(false);
    await partition.finish(first);
    await waiting;
    expect(released).to.equal(true);
    partition.add(event(2));
    const again = partition.waitForRoom(() => false);
    partition.close();
    await again;
    expect(partition.open).to.equal(false);
  });
});
