import type { Checkpoint, CheckpointStore, PartitionOwnership } from '@azure/event-hubs';
import { expect } from 'chai';

/** What one run of the suite needs: two stores over the same storage (two processes' views), empty. */
export interface CheckpointStoreSubject {
  /** Two independent instances (separate connections where the backend has them) over one empty storage. */
  readonly stores: readonly [CheckpointStore, CheckpointStore];
  cleanup(): Promise<void>;
}

const NS = 'latigo-test.servicebus.windows.net';
const HUB = 'tasks';
const CG = '$Default';

function ownership(partitionId: string, ownerId: string, etag?: string): PartitionOwnership {
  return {
    fullyQualifiedNamespace: NS,
    eventHubName: HUB,
    consumerGroup: CG,
    partitionId,
    ownerId,
    ...(etag === undefined ? {} : { etag }),
  };
}

function checkpoint(partitionId: string, sequenceNumber: number, offset: string, group = CG, hub = HUB): Checkpoint {
  return { fullyQualifiedNamespace: NS, eventHubName: hub, consumerGroup: group, partitionId, sequenceNumber, offset };
}

/**
 * The semantics the Event Hubs SDK's load balancer relies on (those of its blob checkpoint store, with a
 * claim without etag won only by the first): optimistic concurrency on etags, lost races as values,
 * checkpoints per consumer group that never disturb ownership. Run it against any `CheckpointStore`:
 * `describeCheckpointStoreContract('my store', async () => ({ stores: [a, b], cleanup }))`.
 */
export function describeCheckpointStoreContract(name: string, makeSubject: () => Promise<CheckpointStoreSubject>): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    let subject: CheckpointStoreSubject | undefined;
    const stores = () => (subject ?? expect.fail('makeSubject did not complete')).stores;
    const store = () => stores()[0];
    const listed = async (partitionId: string) => (await store().listOwnership(NS, HUB, CG)).find((o) => o.partitionId === partitionId);

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    it('a claim without etag wins an unowned partition, and a second claim without etag loses without throwing', async () => {
      const [won] = await store().claimOwnership([ownership('0', 'executor-a')]);
      expect(won?.ownerId).to.equal('executor-a');
      expect(won?.etag).to.be.a('string').and.not.equal('');
      expect(won?.lastModifiedTimeInMs).to.be.a('number');
      expect(await stores()[1].claimOwnership([ownership('0', 'executor-b')])).to.deep.equal([]);
      expect((await listed('0'))?.ownerId).to.equal('executor-a');
    });

    it('of concurrent claims with the same listed etag exactly one wins, from either store', async () => {
      await store().claimOwnership([ownership('1', 'executor-a')]);
      const etag = (await listed('1'))!.etag!;
      const contenders = ['b', 'c', 'd', 'e', 'f', 'g'].map((id, i) =>
        stores()[i % 2]!.claimOwnership([ownership('1', `executor-${id}`, etag)]),
      );
      const results = await Promise.all(contenders);
      const winners = results.flat();
      expect(winners).to.have.length(1);
      expect((await listed('1'))?.ownerId).to.equal(winners[0]!.ownerId);
    });

    it('of concurrent first claims without etag exactly one wins', async () => {
      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map((id, i) => stores()[i % 2]!.claimOwnership([ownership('2', `executor-${id}`)])),
      );
      expect(results.flat()).to.have.length(1);
    });

    it('refuses a stale etag after a renewal and accepts the fresh one listed', async () => {
      const [first] = await store().claimOwnership([ownership('0', 'executor-a')]);
      const [renewed] = await store().claimOwnership([ownership('0', 'executor-a', first!.etag)]);
      expect(renewed, 'renewal with the current etag').to.not.equal(undefined);
      expect(await stores()[1].claimOwnership([ownership('0', 'executor-b', first!.etag)])).to.deep.equal([]);
      const fresh = await listed('0');
      expect(fresh?.etag).to.equal(renewed!.etag);
      const [stolen] = await stores()[1].claimOwnership([ownership('0', 'executor-b', fresh!.etag)]);
      expect(stolen?.ownerId).to.equal('executor-b');
    });

    it('gives every successful claim a new etag and a later lastModifiedTimeInMs, and lists them back', async () => {
      let previous = (await store().claimOwnership([ownership('3', 'executor-a')]))[0]!;
      const etags = new Set([previous.etag]);
      for (let i = 0; i < 5; i++) {
        const [next] = await store().claimOwnership([ownership('3', 'executor-a', previous.etag)]);
        expect(next).to.not.equal(undefined);
        expect(next!.lastModifiedTimeInMs!).to.be.greaterThan(previous.lastModifiedTimeInMs!);
        etags.add(next!.etag);
        previous = next!;
      }
      expect(etags.size).to.equal(6);
      const row = await listed('3');
      expect(row).to.include({
        ownerId: 'executor-a',
        etag: previous.etag,
        lastModifiedTimeInMs: previous.lastModifiedTimeInMs,
        partitionId: '3',
      });
    });

    it('treats an abandon (empty owner) as a normal claim, listed back with the empty owner', async () => {
      const [claimed] = await store().claimOwnership([ownership('0', 'executor-a')]);
      const [abandoned] = await store().claimOwnership([ownership('0', '', claimed!.etag)]);
      expect(abandoned?.ownerId).to.equal('');
      expect((await listed('0'))?.ownerId).to.equal('');
    });

    it('claims several partitions in one call and returns only the winners', async () => {
      const [held] = await stores()[1].claimOwnership([ownership('1', 'executor-b')]);
      expect(held).to.not.equal(undefined);
      const won = await store().claimOwnership([ownership('0', 'executor-a'), ownership('1', 'executor-a'), ownership('2', 'executor-a')]);
      expect(won.map((o) => o.partitionId).sort()).to.deep.equal(['0', '2']);
      expect((await store().listOwnership(NS, HUB, CG)).map((o) => [o.partitionId, o.ownerId])).to.deep.equal([
        ['0', 'executor-a'],
        ['1', 'executor-b'],
        ['2', 'executor-a'],
      ]);
    });

    it('upserts checkpoints without touching ownership etags', async () => {
      const [claimed] = await store().claimOwnership([ownership('0', 'executor-a')]);
      await store().updateCheckpoint(checkpoint('0', 10, '1200'));
      await stores()[1].updateCheckpoint(checkpoint('0', 11, '1310'));
      const checkpoints = await store().listCheckpoints(NS, HUB, CG);
      expect(checkpoints.map((c) => [c.partitionId, c.sequenceNumber, c.offset])).to.deep.equal([['0', 11, '1310']]);
      expect((await listed('0'))?.etag).to.equal(claimed!.etag);
      expect(await store().claimOwnership([ownership('0', 'executor-a', claimed!.etag)])).to.have.length(1);
    });

    it('round-trips offsets as text, non-numeric ones and large sequence numbers included', async () => {
      await store().updateCheckpoint(checkpoint('0', 2 ** 40, '0:1739:gxyz'));
      await store().updateCheckpoint(checkpoint('1', 0, '9'));
      const listedCheckpoints = await store().listCheckpoints(NS, HUB, CG);
      expect(listedCheckpoints.map((c) => [c.partitionId, c.sequenceNumber, c.offset])).to.deep.equal([
        ['0', 2 ** 40, '0:1739:gxyz'],
        ['1', 0, '9'],
      ]);
      expect(typeof listedCheckpoints[1]!.offset).to.equal('string');
    });

    it('rejects a checkpoint without sequence number or offset', async () => {
      const noSequence = { ...checkpoint('0', 1, '5'), sequenceNumber: undefined } as unknown as Checkpoint;
      const noOffset = { ...checkpoint('0', 1, '5'), offset: undefined } as unknown as Checkpoint;
      for (const bad of [noSequence, noOffset]) {
        let error: unknown;
        try {
          await store().updateCheckpoint(bad);
        } catch (err) {
          error = err;
        }
        expect(error, 'rejected').to.be.instanceOf(Error);
      }
      expect(await store().listCheckpoints(NS, HUB, CG)).to.deep.equal([]);
    });

    it('lists checkpoints and ownership per namespace, hub and consumer group only', async () => {
      await store().updateCheckpoint(checkpoint('0', 1, '100'));
      await store().updateCheckpoint(checkpoint('0', 2, '200', 'python-executors'));
      await store().updateCheckpoint(checkpoint('0', 3, '300', CG, 'other-hub'));
      await store().claimOwnership([{ ...ownership('0', 'executor-z'), consumerGroup: 'python-executors' }]);
      expect((await store().listCheckpoints(NS, HUB, CG)).map((c) => c.sequenceNumber)).to.deep.equal([1]);
      expect((await store().listCheckpoints(NS, HUB, 'python-executors')).map((c) => c.sequenceNumber)).to.deep.equal([2]);
      expect((await store().listCheckpoints(NS, 'other-hub', CG)).map((c) => c.sequenceNumber)).to.deep.equal([3]);
      expect(await store().listCheckpoints('other.servicebus.windows.net', HUB, CG)).to.deep.equal([]);
      expect(await store().listOwnership(NS, HUB, CG)).to.deep.equal([]);
    });

    it('compares namespace, hub and consumer group case-insensitively', async () => {
      await store().claimOwnership([ownership('0', 'executor-a')]);
      await store().updateCheckpoint(checkpoint('0', 7, '70'));
      const upper = [NS.toUpperCase(), HUB.toUpperCase(), CG.toUpperCase()] as const;
      expect(await store().listOwnership(...upper)).to.have.length(1);
      expect((await store().listCheckpoints(...upper)).map((c) => c.sequenceNumber)).to.deep.equal([7]);
      expect(await stores()[1].claimOwnership([{ ...ownership('0', 'executor-b'), eventHubName: 'TASKS' }])).to.deep.equal([]);
    });
  });
}
