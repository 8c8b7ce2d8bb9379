import { expect } from 'chai';
import type { OutgoingMessage, ReceivedMessage, TaskQueue } from '../../src/contracts/TaskQueue.js';
import { isAbortError } from '../../src/runtime/errors.js';

/** What one run of the suite needs from an implementation; made afresh for every test. */
export interface TaskQueueSubject {
  /** An empty queue. Its poll interval (if it polls) should be at most 50 ms, its retry backoff above 0. */
  readonly queue: TaskQueue;
  /** The queue's settings, which the suite waits out with `advanceClock`. */
  readonly settings: {
    readonly visibilityTimeoutMs: number;
    readonly maxAttempts: number;
    /** No nack without `retryAfterMs` delays a message longer than this. */
    readonly maxRetryBackoffMs: number;
  };
  /** Moves the clock the queue uses for visibility and backoff forward by `ms`. */
  advanceClock(ms: number): void | Promise<void>;
  /** Queues that keep one message per id (the database queue) count re-sent ids as duplicates. Default true. */
  readonly deduplicatesById?: boolean;
  /** Queues with leases flag a message whose leases kept expiring as `exhausted`; false skips that case. Default true. */
  readonly reportsExhaustedLeases?: boolean;
  /**
   * Queues whose leases expire after `visibilityTimeoutMs` redeliver a message held too long. Default true.
   * A queue without per-message leases (Event Hubs: a lease ends only when its partition is taken over)
   * sets false and skips the expiry cases; the case of a settled lease, refused when used again, applies to all.
   */
  readonly leasesExpire?: boolean;
  /**
   * Resolves once every message sent so far can be received (a queue that delivers by push, like Event
   * Hubs, has them in flight for a moment). Called after each send; none needed where a send is readable at once.
   */
  untilReceivable?(): Promise<void>;
  /** Releases what makeSubject acquired (databases, servers, temporary files). */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every TaskQueue must show: at-least-once delivery with leases, lost leases refused,
 * retries with backoff, dead letters, releases that cost no attempt. Run it from a mocha file:
 * `describeTaskQueueContract('my queue', async () => ({ queue, settings, advanceClock, cleanup }))`.
 */
export function describeTaskQueueContract(name: string, makeSubject: () => Promise<TaskQueueSubject>): void {
  describe(`TaskQueue contract: ${name}`, () => {
    let subject: TaskQueueSubject | undefined;
    const current = (): TaskQueueSubject => subject ?? expect.fail('makeSubject did not complete');

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    const send = async (messages: OutgoingMessage[]) => {
      const result = await current().queue.send(messages);
      await current().untilReceivable?.();
      return result;
    };
    /** False for a queue without per-message leases: the expiry cases do not apply to it. */
    const leasesExpire = () => current().leasesExpire !== false;
    const message = (id: string): OutgoingMessage => ({ id, body: JSON.stringify({ id, text: 'üñí "quoted"\nline' }) });
    const receiveNow = (max = 10) => current().queue.receive({ maxMessages: max, waitMs: 0 });
    async function receiveOne(): Promise<ReceivedMessage> {
      const received = await receiveNow(1);
      expect(received, 'a deliverable message').to.have.length(1);
      return received[0]!;
    }

    it('delivers a sent message with attempt 1, its body intact and a lease token', async () => {
      const sent = message('m1');
      expect(await send([sent])).to.deep.equal({ sent: 1, duplicates: 0 });
      const received = await receiveOne();
      expect(received).to.include({ id: 'm1', body: sent.body, attempt: 1 });
      expect(received.leaseToken).to.be.a('string').and.not.be.empty;
    });

    it('returns at most maxMessages messages, and the rest on the next receive', async () => {
      await send(['a', 'b', 'c', 'd', 'e'].map(message));
      const first = await receiveNow(3);
      const second = await receiveNow(3);
      expect(first).to.have.length(3);
      expect(second).to.have.length(2);
      expect([...first, ...second].map((m) => m.id).sort()).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    });

    it('sends nothing for an empty batch', async () => {
      expect(await send([])).to.deep.equal({ sent: 0, duplicates: 0 });
      expect(await receiveNow()).to.deep.equal([]);
    });

    it('counts a message whose id is already queued as a duplicate and delivers it once', async () => {
      await send([message('m1')]);
      const result = await send([message('m1'), message('m2'), message('m2')]);
      const ids = (await receiveNow()).map((m) => m.id).sort();
      if (current().deduplicatesById === false) {
        // At-least-once without deduplication: every copy is accepted and each id arrives.
        expect(result).to.deep.equal({ sent: 3, duplicates: 0 });
        expect(new Set(ids)).to.deep.equal(new Set(['m1', 'm2']));
      } else {
        expect(result).to.deep.equal({ sent: 1, duplicates: 2 });
        expect(ids).to.deep.equal(['m1', 'm2']);
      }
    });

    it('does not deliver a leased message again within its visibility timeout', async () => {
      await send([message('m1')]);
      await receiveOne();
      await current().advanceClock(current().settings.visibilityTimeoutMs - 1);
      expect(await receiveNow()).to.deep.equal([]);
    });

    it('redelivers a message whose lease expired, with attempt + 1 and a new lease token', async () => {
      if (!leasesExpire()) return;
      await send([message('m1')]);
      const first = await receiveOne();
      await current().advanceClock(current().settings.visibilityTimeoutMs);
      const second = await receiveOne();
      expect(second).to.include({ id: 'm1', attempt: 2 });
      expect(second.leaseToken).to.not.equal(first.leaseToken);
    });

    it('refuses an ack with a lease that expired and was handed on, and accepts the current one', async () => {
      if (!leasesExpire()) return;
      await send([message('m1')]);
      const stale = await receiveOne();
      await current().advanceClock(current().settings.visibilityTimeoutMs);
      const fresh = await receiveOne();
      expect(await current().queue.ack(stale)).to.deep.equal({ settled: false, reason: 'lease_lost' });
      expect(await current().queue.ack(fresh)).to.deep.equal({ settled: true });
    });

    it('answers acks made side by side each for its own delivery: current, stale and repeated', async () => {
      if (!leasesExpire()) return;
      await send(['a', 'b', 'c'].map(message));
      const stale = await receiveOne();
      await current().advanceClock(current().settings.visibilityTimeoutMs);
      const fresh = await receiveNow(3);
      expect(fresh.map((m) => m.id).sort()).to.deep.equal(['a', 'b', 'c']);
      const [again, other1, other2] = [fresh.find((m) => m.id === stale.id)!, ...fresh.filter((m) => m.id !== stale.id)];
      const { queue } = current();
      const results = await Promise.all([queue.ack(stale), queue.ack(again), queue.ack(other1!), queue.ack(other1!), queue.ack(other2!)]);
      expect(results).to.deep.equal([
        { settled: false, reason: 'lease_lost' },
        { settled: true },
        { settled: true },
        { settled: false, reason: 'lease_lost' },
        { settled: true },
      ]);
      await current().advanceClock(current().settings.visibilityTimeoutMs + current().settings.maxRetryBackoffMs);
      expect(await receiveNow()).to.deep.equal([]);
    });

    it('refuses every settle of a lease already settled, and delivers the message no more', async () => {
      await send([message('m1')]);
      const received = await receiveOne();
      const { queue } = current();
      expect(await queue.ack(received)).to.deep.equal({ settled: true });
      expect(await queue.ack(received)).to.deep.equal({ settled: false, reason: 'lease_lost' });
      expect(await queue.nack(received, { reason: 'late' })).to.include({ settled: false, reason: 'lease_lost' });
      expect(await queue.deadLetter(received, 'late')).to.deep.equal({ settled: false, reason: 'lease_lost' });
      expect(await queue.release(received)).to.deep.equal({ settled: false, reason: 'lease_lost' });
      await current().advanceClock(current().settings.visibilityTimeoutMs + current().settings.maxRetryBackoffMs);
      expect(await receiveNow()).to.deep.equal([]);
    });

    it('never delivers an acked message again', async () => {
      await send([message('m1')]);
      await current().queue.ack(await receiveOne());
      await current().advanceClock(current().settings.visibilityTimeoutMs + current().settings.maxRetryBackoffMs);
      expect(await receiveNow()).to.deep.equal([]);
    });

    it('delivers a nacked message again after its backoff, not at once', async () => {
      await send([message('m1')]);
      const result = await current().queue.nack(await receiveOne(), { reason: 'sensor backend timed out' });
      expect(result).to.include({ settled: true });
      expect(result.deadLettered ?? false).to.equal(false);
      expect(await receiveNow()).to.deep.equal([]);
      await current().advanceClock(current().settings.maxRetryBackoffMs);
      expect(await receiveOne()).to.include({ id: 'm1', attempt: 2 });
    });

    it('honours retryAfterMs on nack', async () => {
      await send([message('m1')]);
      await current().queue.nack(await receiveOne(), { reason: 'rate limited', retryAfterMs: 10_000 });
      await current().advanceClock(9_999);
      expect(await receiveNow()).to.deep.equal([]);
      await current().advanceClock(1);
      expect(await receiveOne()).to.include({ id: 'm1', attempt: 2 });
    });

    it('dead-letters a message nacked on its last attempt and never delivers it again', async () => {
      const { maxAttempts, maxRetryBackoffMs, visibilityTimeoutMs } = current().settings;
      await send([message('m1')]);
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const received = await receiveOne();
        expect(received.attempt).to.equal(attempt);
        const result = await current().queue.nack(received, { reason: `failure ${attempt}` });
        expect(result.settled).to.equal(true);
        expect(result.deadLettered ?? false, `dead-lettered after attempt ${attempt}`).to.equal(attempt === maxAttempts);
        await current().advanceClock(maxRetryBackoffMs);
      }
      await current().advanceClock(visibilityTimeoutMs + maxRetryBackoffMs);
      expect(await receiveNow()).to.deep.equal([]);
    });

    it('parks a dead-lettered message for good', async () => {
      await send([message('m1'), message('m2')]);
      const [first] = await receiveNow(1);
      expect(await current().queue.deadLetter(first!, 'malformed body')).to.deep.equal({ settled: true });
      await current().advanceClock(current().settings.visibilityTimeoutMs + current().settings.maxRetryBackoffMs);
      expect((await receiveNow()).map((m) => m.id)).to.deep.equal([first!.id === 'm1' ? 'm2' : 'm1']);
    });

    it('refuses nack and deadLetter with a lost lease', async () => {
      if (!leasesExpire()) return;
      await send([message('m1')]);
      const stale = await receiveOne();
      await current().advanceClock(current().settings.visibilityTimeoutMs);
      const fresh = await receiveOne();
      expect(await current().queue.nack(stale, { reason: 'late' })).to.include({ settled: false, reason: 'lease_lost' });
      expect(await current().queue.deadLetter(stale, 'late')).to.deep.equal({ settled: false, reason: 'lease_lost' });
      expect(await current().queue.ack(fresh)).to.deep.equal({ settled: true });
    });

    it('redelivers a released message at once, with the same attempt number', async () => {
      await send([message('m1')]);
      const first = await receiveOne();
      expect(await current().queue.release(first)).to.deep.equal({ settled: true });
      const again = await receiveOne();
      expect(again).to.include({ id: 'm1', attempt: 1 });
      expect(again.leaseToken).to.not.equal(first.leaseToken);
    });

    it('never dead-letters a message released on its last attempt', async () => {
      const { maxAttempts, maxRetryBackoffMs } = current().settings;
      await send([message('m1')]);
      for (let attempt = 1; attempt < maxAttempts; attempt++) {
        await current().queue.nack(await receiveOne(), { reason: `failure ${attempt}` });
        await current().advanceClock(maxRetryBackoffMs);
      }
      const last = await receiveOne();
      expect(last.attempt).to.equal(maxAttempts);
      expect(await current().queue.release(last)).to.deep.equal({ settled: true });
      const again = await receiveOne();
      expect(again).to.include({ id: 'm1', attempt: maxAttempts });
      expect(again.exhausted ?? false).to.equal(false);
      // The released delivery did not count: the last attempt is still there to fail.
      expect(await current().queue.nack(again, { reason: 'final failure' })).to.deep.include({ settled: true, deadLettered: true });
    });

    it('refuses a release with a lost lease and leaves the current delivery alone', async () => {
      if (!leasesExpire()) return;
      await send([message('m1')]);
      const stale = await receiveOne();
      await current().advanceClock(current().settings.visibilityTimeoutMs);
      const fresh = await receiveOne();
      expect(await current().queue.release(stale)).to.deep.equal({ settled: false, reason: 'lease_lost' });
      expect(await receiveNow()).to.deep.equal([]);
      expect(await current().queue.ack(fresh)).to.deep.equal({ settled: true });
    });

    it('flags a message whose leases expired until its attempts ran out, and parks it once dead-lettered', async () => {
      if (current().reportsExhaustedLeases === false) return;
      const { maxAttempts, visibilityTimeoutMs, maxRetryBackoffMs } = current().settings;
      await send([message('m1')]);
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const received = await receiveOne();
        expect(received.exhausted ?? false, `delivery ${attempt} flagged`).to.equal(false);
        await current().advanceClock(visibilityTimeoutMs); // the receiver died holding the lease
      }
      const exhausted = await receiveOne();
      expect(exhausted).to.include({ id: 'm1', exhausted: true });
      expect(await current().queue.deadLetter(exhausted, 'lease expired')).to.deep.equal({ settled: true });
      await current().advanceClock(visibilityTimeoutMs + maxRetryBackoffMs);
      expect(await receiveNow()).to.deep.equal([]);
    });

    it('never hands one message to two concurrent receivers', async () => {
      await send(Array.from({ length: 20 }, (_, i) => message(`m${i}`)));
      const batches = await Promise.all([receiveNow(8), receiveNow(8), receiveNow(8), receiveNow(8)]);
      const ids = batches.flat().map((m) => m.id);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids).to.have.length(20);
    });

    it('waits up to waitMs for a message, then resolves with []', async () => {
      const started = performance.now();
      expect(await current().queue.receive({ maxMessages: 5, waitMs: 150 })).to.deep.equal([]);
      expect(performance.now() - started).to.be.at.least(140);
    });

    it('returns a message sent while it waits', async () => {
      const started = performance.now();
      const waiting = current().queue.receive({ maxMessages: 5, waitMs: 5_000 });
      await new Promise((resolve) => setTimeout(resolve, 30));
      await send([message('late')]);
      expect((await waiting).map((m) => m.id)).to.deep.equal(['late']);
      expect(performance.now() - started).to.be.below(2_000);
    });

    it('rejects with an AbortError when the signal fires while it waits', async () => {
      const controller = new AbortController();
      const waiting = current().queue.receive({ maxMessages: 1, waitMs: 5_000, signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      const err = await waiting.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAbortError(err), `expected an AbortError, got ${String(err)}`).to.equal(true);
    });
  });
}
