import type { ReceivedEventData } from '@azure/event-hubs';
import { expect } from 'chai';
import type { OwnedPartition } from '../../../providers/eventhub/OwnedPartition.js';
import { RedeliveryBuffer, type Delivery, type RedeliveryTimers } from '../../../providers/eventhub/RedeliveryBuffer.js';

/** Timers that fire only when the test says. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 0;
  const timers: RedeliveryTimers = {
    setTimeout: (run) => {
      pending.set(next, run);
      return next++;
    },
    clearTimeout: (handle) => {
      pending.delete(handle as number);
    },
  };
  return {
    timers,
    pending,
    fireAll: () => {
      for (const [id, run] of [...pending]) {
        pending.delete(id);
        run();
      }
    },
  };
}

function delivery(id: string, partition = { open: true } as OwnedPartition): Delivery {
  return { partition, event: { sequenceNumber: 0 } as ReceivedEventData, handle: {}, id, body: `{"id":"${id}"}`, attempt: 1 };
}

describe('Event Hubs RedeliveryBuffer', () => {
  it('hands out deliveries in order, each under a fresh lease token, at most max at a time', () => {
    const buffer = new RedeliveryBuffer();
    buffer.push([delivery('a'), delivery('b'), delivery('c')]);
    const first = buffer.take(2);
    expect(first.map((m) => [m.id, m.attempt])).to.deep.equal([
      ['a', 1],
      ['b', 1],
    ]);
    expect(new Set(first.map((m) => m.leaseToken)).size).to.equal(2);
    expect(buffer.take(5).map((m) => m.id)).to.deep.equal(['c']);
  });

  it('settles a lease once; a second settle or a lease of a lost partition finds nothing', () => {
    const buffer = new RedeliveryBuffer();
    const lost = { open: true } as OwnedPartition;
    buffer.push([delivery('a'), delivery('b', lost)]);
    const [a, b] = buffer.take(2);
    expect(buffer.settle(a!)?.id).to.equal('a');
    expect(buffer.settle(a!)).to.equal(undefined);
    lost.open = false;
    expect(buffer.settle(b!)).to.equal(undefined);
  });

  it('drops ready deliveries of a partition taken over instead of handing them out', () => {
    const buffer = new RedeliveryBuffer();
    const lost = { open: true } as OwnedPartition;
    buffer.push([delivery('a', lost), delivery('b')]);
    lost.open = false;
    expect(buffer.take(5).map((m) => m.id)).to.deep.equal(['b']);
  });

  it('redelivers a nacked delivery when its timer fires, with the attempt counted; a released one at the front at once', () => {
    const { timers, fireAll } = manualTimers();
    const buffer = new RedeliveryBuffer(timers);
    buffer.push([delivery('a'), delivery('b')]);
    const [a] = buffer.take(1);
    buffer.redeliverAfter(buffer.settle(a!)!, 5_000);
    expect(buffer.take(5).map((m) => m.id)).to.deep.equal(['b']);
    fireAll();
    const [again] = buffer.take(5);
    expect(again).to.include({ id: 'a', attempt: 2 });
    buffer.pushFront(buffer.settle(again!)!);
    buffer.push([delivery('c')]);
    expect(buffer.take(5).map((m) => [m.id, m.attempt])).to.deep.equal([
      ['a', 2],
      ['c', 1],
    ]);
  });

  it('on close cancels pending redeliveries and wakes receivers waiting for an arrival', async () => {
    const { timers, pending } = manualTimers();
    const buffer = new RedeliveryBuffer(timers);
    buffer.push([delivery('a')]);
    const [a] = buffer.take(1);
    buffer.redeliverAfter(buffer.settle(a!)!, 5_000);
    const started = Date.now();
    const waiting = buffer.arrival(10_000, undefined);
    buffer.close();
    await waiting;
    expect(Date.now() - started).to.be.below(5_000);
    expect(pending.size).to.equal(0);
    buffer.push([delivery('b')]);
    expect(buffer.take(5)).to.deep.equal([]);
  });

  it('wakes a waiting receiver when a delivery arrives', async () => {
    const buffer = new RedeliveryBuffer();
    const waiting = buffer.arrival(10_000, undefined);
    setTimeout(() => buffer.push([delivery('late')]), 10);
    await waiting;
    expect(buffer.take(1).map((m) => m.id)).to.deep.equal(['late']);
  });
});
