import { expect } from 'chai';
import { EventOutbox } from '../../../src/events/EventOutbox.js';
import type { NewEvent, StoredEvent } from '../../../src/events/eventTypes.js';
import { summarizePredictions } from '../../../src/domain/predictionSummary.js';
import { newTask, type PredictionTask } from '../../../src/domain/Task.js';
import { WindowLedger } from '../../../src/ledger/WindowLedger.js';
import type { FreshLedgerDatabase } from '../ledger/windowLedgerSuite.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const WINDOW = 10 * 60_000;

function task(model: string, k: number): PredictionTask {
  return newTask('p', model, 'r1', { fromMs: T0 + k * WINDOW, toMs: T0 + (k + 1) * WINDOW });
}

function anomalyEvent(model: string, n: number): NewEvent {
  return {
    type: 'anomaly',
    project: 'p',
    model,
    data: { taskId: `t${n}`, time: new Date(T0 + n).toISOString(), totalAnomaly: 2, threshold: 1, topTags: [] },
  };
}

const summary = (e: StoredEvent) => `${e.type}:${e.model}:${'state' in e.data ? e.data.state : ''}`;

/**
 * The event outbox on one database dialect (SQLite in EventOutbox.test.ts, PostgreSQL in
 * test/integration/eventOutbox.postgres.test.ts): appends in the ledger's transactions, reads by id, retention.
 */
export function describeEventOutbox(dialect: string, open: () => Promise<FreshLedgerDatabase>): void {
  describe(`EventOutbox on ${dialect}`, () => {
    let store: FreshLedgerDatabase;
    let now: number;
    let ledger: WindowLedger;
    let outbox: EventOutbox;

    beforeEach(async () => {
      store = await open();
      now = T0 + 86_400_000;
      ledger = new WindowLedger(store.db, () => now);
      outbox = new EventOutbox(store.db, () => now);
    });
    afterEach(async () => {
      await store.cleanup();
    });

    const all = async () => (await outbox.readSince(0, { limit: 10_000 })).events;

    it("appends a window's lifecycle with the ledger's state changes: queued (new windows only), running, succeeded with its predictions", async () => {
      await ledger.recordNew([task('m', 0), task('n', 0)], 'schedule');
      await ledger.recordNew([task('m', 0), task('m', 1)], 'schedule'); // m/0 is known: no second queued event
      expect((await all()).map(summary)).to.deep.equal(['window:m:queued', 'window:n:queued', 'window:m:queued']);
      expect((await all())[2]!.data).to.deep.include({ taskId: task('m', 1).id, origin: 'schedule', from: '2026-01-01T00:10:00.000Z' });

      expect(await ledger.begin(task('m', 0), 'executor-1')).to.deep.equal({ proceed: true });
      const predictions = summarizePredictions({
        project: 'p',
        model: 'm',
        revision: 'r1',
        window: task('m', 0).window,
        tagNames: ['a', 'b'],
        rows: [
          { timeMs: T0, outputs: [0, 0], contributions: [0.1, 0.2], totalAnomaly: 0.3, threshold: 1, isAnomaly: false },
          { timeMs: T0 + 60_000, outputs: [0, 0], contributions: [3, 0.5], totalAnomaly: 3.5, threshold: 1, isAnomaly: true },
        ],
      });
      now += 1_000;
      await ledger.finish(task('m', 0), { state: 'succeeded', rowsWritten: 2, predictions }, { executor: 'executor-1', startedAt: now });
      const events = await all();
      expect(events.slice(3).map(summary)).to.deep.equal(['window:m:running', 'window:m:succeeded', 'prediction:m:', 'anomaly:m:']);
      expect(events[5]!.data).to.deep.include({ rows: 2, anomalies: 1, maxTotalAnomaly: 3.5, threshold: 1 });
      expect(events[6]!.data).to.deep.equal({
        taskId: task('m', 0).id,
        time: '2026-01-01T00:01:00.000Z',
        totalAnomaly: 3.5,
        threshold: 1,
        topTags: [
          { tag: 'a', contribution: 3 },
          { tag: 'b', contribution: 0.5 },
        ],
      });
      expect(events[4]).to.deep.include({ project: 'p', model: 'm', revision: 'r1', createdAt: now });
      const ids = events.map((e) => e.id);
      expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).to.equal(ids.length);
    });

    it('appends nothing for a state change the ledger refused: a finished window, a claim held by another, a lost lease', async () => {
      await ledger.recordNew([task('m', 0)], 'schedule');
      await ledger.begin(task('m', 0), 'executor-1');
      expect(await ledger.begin(task('m', 0), 'executor-2')).to.include({ proceed: false, state: 'running' });
      await ledger.finish(task('m', 0), { state: 'failed' }, { executor: 'executor-2', startedAt: now, leaseLost: true });
      await ledger.finish(task('m', 0), { state: 'succeeded' }, { executor: 'executor-1', startedAt: now });
      now += 1;
      await ledger.finish(task('m', 0), { state: 'failed', errorClass: 'transient' }, { executor: 'executor-2', startedAt: now });
      expect((await all()).map(summary)).to.deep.equal(['window:m:queued', 'window:m:running', 'window:m:succeeded']);
    });

    it('reads after an id, at most `limit`, of some types and models only, with a cursor past what it read', async () => {
      await outbox.append([anomalyEvent('a', 1), anomalyEvent('b', 2), anomalyEvent('a', 3)]);
      await ledger.recordNew([task('a', 0)], 'schedule');
      const everything = await all();
      expect(everything).to.have.length(4);
      const first = await outbox.readSince(0, { limit: 2 });
      expect(first.events.map((e) => e.id)).to.deep.equal(everything.slice(0, 2).map((e) => e.id));
      expect(first.nextId).to.equal(everything[1]!.id);
      const rest = await outbox.readSince(first.nextId, { limit: 10 });
      expect(rest.events.map((e) => e.id)).to.deep.equal(everything.slice(2).map((e) => e.id));
      const onlyA = await outbox.readSince(0, { limit: 10, types: ['anomaly'], models: [{ project: 'p', model: 'a' }] });
      expect(onlyA.events.map((e) => (e.data as { taskId: string }).taskId)).to.deep.equal(['t1', 't3']);
      expect((await outbox.readSince(0, { limit: 10, models: [] })).events).to.deep.equal([]);
      expect(await outbox.latestId()).to.equal(everything[3]!.id);
      expect(await outbox.oldestId()).to.equal(everything[0]!.id);
    });

    it('prunes by age and by count, oldest first, in chunks, and never reuses an id', async () => {
      await outbox.append([anomalyEvent('a', 1), anomalyEvent('a', 2)]);
      now += 60_000;
      await outbox.append(Array.from({ length: 5 }, (_, i) => anomalyEvent('a', 10 + i)));
      const ids = (await all()).map((e) => e.id);
      expect(await outbox.prune({ olderThanMs: now - 1, chunkSize: 1 })).to.equal(2);
      expect(await outbox.prune({ keepRows: 3, chunkSize: 1 })).to.equal(2);
      expect((await all()).map((e) => e.id)).to.deep.equal(ids.slice(4));
      expect(await outbox.prune({ olderThanMs: now + 1 })).to.equal(3);
      expect(await outbox.latestId()).to.equal(0);
      await outbox.append([anomalyEvent('a', 99)]);
      expect((await all())[0]!.id).to.be.greaterThan(ids[6]!);
    });

    it('appends a thousand-odd windows of one batch with ids in order', async () => {
      const tasks = Array.from({ length: 1_200 }, (_, k) => task('m', k));
      await ledger.recordNew(tasks, 'backfill');
      const events = await all();
      expect(events.map((e) => (e.data as { taskId: string }).taskId)).to.deep.equal(tasks.map((t) => t.id));
    });
  });
}
