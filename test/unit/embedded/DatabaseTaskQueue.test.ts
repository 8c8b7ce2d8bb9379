import { withBuiltInTables } from '../../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { DatabaseTaskQueue } from '../../../providers/database-queue/DatabaseTaskQueue.js';
import { parseEmbeddedQueueConfig, type EmbeddedQueueConfig } from '../../../providers/database-queue/config.js';
import { openDatabase, type OpenDatabase as Database } from '../../../src/persistence/dataSource.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openTempDatabase, type TempDatabase } from './tempDatabase.js';

const T0 = Date.UTC(2026, 0, 1);

describe('DatabaseTaskQueue', () => {
  let temp: TempDatabase;
  let now: number;
  let random: number;
  const config: EmbeddedQueueConfig = parseEmbeddedQueueConfig(
    { visibility_timeout: '60s', retry: { maximum_attempts: 4, initial_interval: '5s', maximum_interval: '12s' }, poll_interval: 10 },
    'task_queue',
  );
  const queueOn = (db: Database, owner = 'executor-1') =>
    new DatabaseTaskQueue(db, config, silentLogger, { owner, clock: () => now, random: () => random });
  let queue: DatabaseTaskQueue;

  beforeEach(async () => {
    temp = await openTempDatabase();
    now = T0;
    random = 0;
    queue = queueOn(temp.db);
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  const send = (...ids: string[]) => queue.send(ids.map((id) => ({ id, body: `body of ${id}` })));
  const receive = (max = 10) => queue.receive({ maxMessages: max });

  /** Milliseconds after a nack at which the message becomes deliverable again. */
  async function redeliveryDelay(): Promise<number> {
    const nackedAt = now;
    const [message] = await receive(1);
    await queue.nack(message!, { reason: 'failed' });
    for (let step = 0; step <= 20; step++) {
      now = nackedAt + step * 1_000;
      if ((await queue.depth()).ready > 0) return step * 1_000;
    }
    return expect.fail('not deliverable within 20 s');
  }

  it('backs off exponentially from retry.initial_interval, capped at retry.maximum_interval', async () => {
    random = 0.5; // the middle of the jitter range: the plain exponential
    await send('m1');
    expect(await redeliveryDelay()).to.equal(5_000); // after attempt 1
    expect(await redeliveryDelay()).to.equal(10_000); // attempt 2: doubled
    expect(await redeliveryDelay()).to.equal(12_000); // attempt 3: 20 s capped at 12 s
  });

  it('jitters the backoff by up to 20% either way, never above retry.maximum_interval', async () => {
    random = 0;
    await send('m1');
    expect(await redeliveryDelay()).to.equal(4_000); // 5 s less 20%
    expect(await redeliveryDelay()).to.equal(8_000);
    expect(await redeliveryDelay()).to.equal(10_000); // the cap less 20% (9.6 s) rounds up to the next 1 s step
    await queue.ack((await receive(1))[0]!);
    random = 0.999_999;
    await send('m2');
    expect(await redeliveryDelay()).to.equal(6_000); // m2: 5 s plus 20%
    expect(await redeliveryDelay()).to.equal(12_000); // 12 s: the cap, not 10 s plus 20%
  });

  it('keeps the nack reason and the attempts of a dead letter, newest first', async () => {
    await send('m1', 'm2');
    const [first] = await receive(1);
    now += 1;
    await queue.deadLetter(first!, 'malformed body');
    now += 1;
    let second = (await receive(1))[0]!;
    for (let attempt = 1; attempt < config.retry.maximumAttempts; attempt++) {
      expect(await queue.nack(second, { reason: `timeout ${attempt}` })).to.deep.equal({ settled: true, deadLettered: false });
      now += config.retry.maximumIntervalMs;
      second = (await receive(1))[0]!;
    }
    expect(await queue.nack(second, { reason: 'timeout 4' })).to.deep.equal({ settled: true, deadLettered: true });
    const { items: letters } = await queue.deadLetters({ limit: 10 });
    expect(letters.map((l) => ({ id: l.id, reason: l.reason, attempts: l.attempts }))).to.deep.equal([
      { id: second.id, reason: 'timeout 4', attempts: 4 },
      { id: first!.id, reason: 'malformed body', attempts: 1 },
    ]);
    expect(letters[1]!.body).to.equal(`body of ${first!.id}`);
    expect(letters[1]!.deadAtMs).to.equal(T0 + 1);
  });

  it('delivers a message whose lease expired on every attempt flagged exhausted, instead of parking it unseen', async () => {
    await send('poison');
    for (let attempt = 1; attempt <= config.retry.maximumAttempts; attempt++) {
      expect((await receive()).map((m) => [m.attempt, m.exhausted ?? false])).to.deep.equal([[attempt, false]]);
      now += config.visibilityTimeoutMs; // the executor died holding the lease
    }
    const [exhausted] = await receive();
    expect(exhausted).to.include({ id: 'poison', attempt: config.retry.maximumAttempts + 1, exhausted: true });
    expect((await queue.deadLetters({ limit: 1 })).items).to.deep.equal([]); // the receiver decides, and records the window first
    expect(await queue.deadLetter(exhausted!, 'lease expired')).to.deep.equal({ settled: true });
    const [letter] = (await queue.deadLetters({ limit: 1 })).items;
    expect(letter).to.include({ id: 'poison', attempts: config.retry.maximumAttempts + 1, reason: 'lease expired' });
  });

  it('releases a message for immediate redelivery without counting the attempt', async () => {
    await send('m1');
    const [first] = await receive();
    now += 1_000;
    expect(await queue.release(first!)).to.deep.equal({ settled: true });
    expect(await queue.depth()).to.deep.equal({ ready: 1, leased: 0, delayed: 0, dead: 0 });
    const [again] = await receive();
    expect(again).to.include({ id: 'm1', attempt: 1 });
    expect(await queue.release(first!)).to.deep.equal({ settled: false, reason: 'lease_lost' });
    expect(await queue.deadLetter(again!, 'bad')).to.deep.equal({ settled: true });
    expect(await queue.release(again!)).to.deep.equal({ settled: false, reason: 'lease_lost' });
    expect((await queue.deadLetters({ limit: 1 })).items[0]).to.include({ id: 'm1', attempts: 1 });
  });

  it('reports depth by state: ready, leased, delayed by backoff, dead', async () => {
    await send('ready', 'leased', 'delayed', 'dead', 'expired');
    const leased = await receive(4);
    const byId = new Map(leased.map((m) => [m.id, m]));
    // Ties in visibility come out in send order.
    expect(leased.map((m) => m.id)).to.deep.equal(['ready', 'leased', 'delayed', 'dead']);
    await queue.nack(byId.get('delayed')!, { reason: 'later', retryAfterMs: 30_000 });
    await queue.deadLetter(byId.get('dead')!, 'bad');
    await queue.ack(byId.get('ready')!);
    await send('ready again');
    expect(await queue.depth()).to.deep.equal({ ready: 2, leased: 1, delayed: 1, dead: 1 });
    now += config.visibilityTimeoutMs; // the lease of 'leased' expires: deliverable again
    expect(await queue.depth()).to.deep.equal({ ready: 4, leased: 0, delayed: 0, dead: 1 });
  });

  it('sends batches larger than one statement and counts duplicates across them', async () => {
    const ids = Array.from({ length: 7_000 }, (_, i) => `m${i}`);
    expect(await send(...ids)).to.deep.equal({ sent: 7_000, duplicates: 0 });
    expect(await send(...ids.slice(6_000), 'new')).to.deep.equal({ sent: 1, duplicates: 1_000 });
    expect((await queue.depth()).ready).to.equal(7_001);
  });

  it('does not lease a message again on a second connection while its lease holds sharing the database file', async () => {
    const other = await openDatabase(
      {
        url: `sqlite:${String(temp.db.dataSource.options.database)}`,
        busyTimeoutMs: 5000,
        logQueries: false,
      },
      withBuiltInTables,
    );
    try {
      const otherQueue = queueOn(other, 'executor-2');
      await send(...Array.from({ length: 100 }, (_, i) => `m${i}`));
      const seen: string[] = [];
      for (let round = 0; round < 10; round++) {
        const [a, b] = await Promise.all([queue.receive({ maxMessages: 7 }), otherQueue.receive({ maxMessages: 6 })]);
        seen.push(...a.map((m) => m.id), ...b.map((m) => m.id));
      }
      expect(seen).to.have.length(100);
      expect(new Set(seen).size).to.equal(100);
    } finally {
      await other.close();
    }
  });

  it('acks a message whose lease expired but that nobody leased since', async () => {
    await send('m1');
    const [message] = await receive();
    now += config.visibilityTimeoutMs * 2;
    expect(await queue.ack(message!)).to.deep.equal({ settled: true });
    expect(await queue.depth()).to.deep.equal({ ready: 0, leased: 0, delayed: 0, dead: 0 });
  });

  it('resolves with [] at once for maxMessages below 1', async () => {
    await send('m1');
    expect(await queue.receive({ maxMessages: 0, waitMs: 5_000 })).to.deep.equal([]);
    expect((await queue.depth()).ready).to.equal(1);
  });

  it('leases ties in visibility in the order they were sent', async () => {
    await send('c', 'a', 'b');
    await send('0');
    const leased: string[] = [];
    for (let i = 0; i < 4; i++) leased.push(...(await receive(1)).map((m) => m.id));
    expect(leased).to.deep.equal(['c', 'a', 'b', '0']);
  });

  it('closes as often as asked, and keeps receiving by polling after (SQLite has nothing to close)', async () => {
    await queue.close();
    await queue.close();
    const waiting = queue.receive({ maxMessages: 1, waitMs: 2_000 });
    await send('m1');
    expect((await waiting).map((m) => m.id)).to.deep.equal(['m1']);
  });

  describe('as a QueueInspector', () => {
    async function deadLetter(id: string, reason: string): Promise<void> {
      await send(id);
      const [message] = await receive(1);
      await queue.deadLetter(message!, reason);
      now += 1;
    }

    it('pages dead letters newest first with a cursor, and says when no page follows', async () => {
      for (const id of ['a', 'b', 'c', 'd', 'e']) await deadLetter(id, `bad ${id}`);
      const first = await queue.deadLetters({ limit: 2 });
      expect(first.items.map((d) => d.id)).to.deep.equal(['e', 'd']);
      const second = await queue.deadLetters({ limit: 2, cursor: first.next! });
      expect(second.items.map((d) => d.id)).to.deep.equal(['c', 'b']);
      const last = await queue.deadLetters({ limit: 2, cursor: second.next! });
      expect(last).to.deep.equal({ items: [{ id: 'a', body: 'body of a', attempts: 1, reason: 'bad a', deadAtMs: T0 }] });
    });

    it('refuses a cursor it did not hand out, naming it', async () => {
      const err = await queue.deadLetters({ limit: 2, cursor: 'page 2' }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(Error).with.property('message').that.includes('"page 2"');
    });

    it('re-drives dead letters by id, by reason and all, as fresh messages delivered again', async () => {
      await deadLetter('a', 'malformed body');
      await deadLetter('b', 'model gone');
      await deadLetter('c', 'model gone again');
      await deadLetter('d', 'timeout');
      expect(await queue.redrive({ ids: ['a', 'unknown'] })).to.deep.equal({ redriven: 1 });
      expect(await queue.redrive({ reasonContains: 'model gone' })).to.deep.equal({ redriven: 2 });
      expect(await queue.depth()).to.deep.equal({ ready: 3, leased: 0, delayed: 0, dead: 1 });
      const again = await receive();
      expect(again.map((m) => [m.id, m.attempt]).sort()).to.deep.equal([
        ['a', 1],
        ['b', 1],
        ['c', 1],
      ]);
      expect(await queue.redrive({ all: true })).to.deep.equal({ redriven: 1 });
      expect((await queue.deadLetters({ limit: 10 })).items).to.deep.equal([]);
    });

    it('prunes the dead letters parked before a cutoff (retention), leaving newer ones and live messages', async () => {
      await deadLetter('old-1', 'bad');
      await deadLetter('old-2', 'bad');
      const cutoff = now;
      await deadLetter('new', 'bad');
      await send('live');
      expect(await queue.pruneDeadLetters(cutoff)).to.deep.equal({ pruned: 2 });
      expect((await queue.deadLetters({ limit: 10 })).items.map((d) => d.id)).to.deep.equal(['new']);
      expect(await queue.depth()).to.include({ ready: 1, dead: 1 });
      expect(await queue.pruneDeadLetters(cutoff)).to.deep.equal({ pruned: 0 });
    });
  });
});
