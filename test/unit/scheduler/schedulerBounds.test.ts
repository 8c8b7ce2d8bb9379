import { expect } from 'chai';
import { parseEmbeddedQueueConfig } from '../../../providers/database-queue/config.js';
import { DatabaseTaskQueue } from '../../../providers/database-queue/DatabaseTaskQueue.js';
import { EventOutbox } from '../../../src/events/EventOutbox.js';
import { Scheduler } from '../../../src/scheduler/Scheduler.js';
import { HOUR, MIN, at, iso, models, schedulerConfig, SchedulerWorld } from './schedulerHarness.js';

// Issue 14: what one pass may queue, what a schedule change may re-plan, and which names the ledger can hold.
describe('Scheduler bounds', () => {
  let world: SchedulerWorld;
  beforeEach(async () => {
    world = await SchedulerWorld.create(at('2026-01-01T12:05:00Z'));
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('queues at most max_windows_per_pass windows a pass, newest ticks first, and the rest on the next passes, each once', async () => {
    for (const m of models(10)) world.catalog.put(m);
    const scheduler = world.scheduler({ maxWindowsPerPass: 25 }); // 10 models x 6 ticks = 60 windows due
    const passes = [];
    for (let i = 0; i < 4; i++) passes.push((await scheduler.runOnce()).windowsQueued);
    expect(passes).to.deep.equal([25, 25, 10, 0]);
    expect(
      world
        .sent()
        .slice(0, 10)
        .every((t) => iso(t.window.fromMs) === '2026-01-01T11:49:00.000Z'),
    ).to.equal(true);
    expect(world.sent()).to.have.length(60);
    expect(world.offeredTwice()).to.deep.equal([]);
    expect(world.log.withMessage('schedule pass stopped at scheduler.max_windows_per_pass; the next pass continues')).to.have.length(2);
  });

  for (const [what, change] of [
    ['interval', { intervalMs: 5 * MIN }],
    ['delay', { delayMs: 90_000 }],
  ] as const) {
    it(`applies a new ${what} from the next tick on, without re-planning the history the old schedule covered`, async () => {
      world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
      await world.scheduler({ catchUpHorizonMs: 2 * HOUR }).runOnce();
      const old = world.sent();
      const oldFrom = Math.min(...old.map((t) => t.window.fromMs));
      const oldTo = Math.max(...old.map((t) => t.window.toMs));
      // A restart with the changed schedule, at the same moment and with the same horizon: before issue 14
      // it queued a window for every new tick of the two hours, all overlapping recorded ones.
      const changed = world.scheduler({ catchUpHorizonMs: 2 * HOUR, ...change });
      await changed.runOnce();
      world.now = at('2026-01-01T12:20:00Z');
      await changed.runOnce();
      const fresh = world.sent().slice(old.length);
      expect(fresh.length).to.be.greaterThan(0);
      // None lies inside what the old schedule covered: each reaches past one of its ends.
      for (const t of fresh) expect(t.window.fromMs < oldFrom || t.window.toMs > oldTo, iso(t.window.fromMs)).to.equal(true);
      expect(fresh.filter((t) => t.window.toMs <= oldTo).length).to.be.at.most(1); // at most the window at the horizon's start
      // The new schedule continues where the old one ended, overlapping it rather than leaving a gap.
      expect(Math.min(...fresh.filter((t) => t.window.toMs > oldTo).map((t) => t.window.fromMs))).to.be.at.most(oldTo);
    });
  }

  it('re-plans the covered history only on purpose (mode replan, as latigo replan runs it)', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    await world.scheduler({ catchUpHorizonMs: HOUR }).runOnce();
    const replanned = await world.scheduler({ catchUpHorizonMs: HOUR, intervalMs: 5 * MIN }).runOnce({ mode: 'replan' });
    expect(replanned.windowsQueued).to.equal(12); // every 5-minute window of the hour
  });

  it('leaves out a model whose name the ledger cannot hold, says so once, and schedules the others', async () => {
    for (const m of models(2)) world.catalog.put(m);
    world.catalog.put({ project: 'plant', name: 'x'.repeat(201), revision: 'r1' });
    const scheduler = world.scheduler({ catchUpHorizonMs: 0 });
    expect(await scheduler.runOnce()).to.include({ models: 2, windowsQueued: 2 });
    world.now += 10 * MIN;
    expect(await scheduler.runOnce()).to.include({ models: 2, windowsQueued: 2 });
    const said = world.log.withMessage('model left out: a name is too long for the ledger');
    expect(said).to.have.length(1);
    expect(said[0]?.fields).to.include({ field: 'name' });
    expect(String(said[0]?.fields.problem)).to.match(/201 characters long; names are limited to 200/);
  });

  it('prunes finished windows past scheduler.window_retention, at most every retention_interval', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    const scheduler = world.scheduler({ catchUpHorizonMs: HOUR, windowRetentionMs: 2 * HOUR, retentionIntervalMs: HOUR });
    await scheduler.runOnce();
    for (const t of world.sent()) {
      await world.ledger.begin(t, 'executor-1');
      await world.ledger.finish(t, { state: 'succeeded' }, { executor: 'executor-1', startedAt: world.now });
    }
    const finishedAt = world.now;
    expect(await scheduler.pruneWhenDue()).to.deep.equal({ windows: 0, runs: 0, deadLetters: 0, events: 0, sensorWrites: 0 }); // finished just now
    world.now += 30 * MIN;
    expect(await scheduler.pruneWhenDue()).to.equal(undefined); // the last prune was under retention_interval ago
    world.now = finishedAt + 2 * HOUR + 1;
    expect(await scheduler.pruneWhenDue()).to.deep.equal({ windows: 6, runs: 6, deadLetters: 0, events: 0, sensorWrites: 0 });
    expect(await scheduler.pruneWhenDue()).to.equal(undefined);
    expect((await world.ledger.retentionTotals()).pruned).to.deep.equal({ windows: 6, runs: 6 });
    // Pruned history is outside the horizon, so the next pass queues only the horizon's new windows.
    const prunedIds = new Set(world.sent().map((t) => t.id));
    expect((await scheduler.runOnce()).windowsQueued).to.equal(6);
    expect(
      world
        .sent()
        .slice(6)
        .filter((t) => prunedIds.has(t.id)),
    ).to.deep.equal([]);
  });

  it('prunes the event outbox past scheduler.event_retention and beyond scheduler.event_max_rows, and counts it', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    const scheduler = world.scheduler({ catchUpHorizonMs: HOUR, eventRetentionMs: 2 * HOUR, eventMaxRows: 4, retentionIntervalMs: HOUR });
    await scheduler.runOnce(); // 6 windows queued: 6 events
    const outbox = new EventOutbox(world.db, world.clock);
    const before = await outbox.readSince(0, { limit: 100 });
    expect(before.events.map((e) => e.type)).to.deep.equal(Array(6).fill('window'));
    expect(await scheduler.pruneWhenDue()).to.deep.equal({ windows: 0, runs: 0, deadLetters: 0, events: 2, sensorWrites: 0 }); // by count: the 4 newest stay
    expect((await outbox.readSince(0, { limit: 100 })).events.map((e) => e.id)).to.deep.equal(before.events.slice(2).map((e) => e.id));
    world.now += 2 * HOUR + 1;
    expect(await scheduler.pruneWhenDue()).to.deep.equal({ windows: 0, runs: 0, deadLetters: 0, events: 4, sensorWrites: 0 }); // by age
    expect((await world.ledger.retentionTotals()).pruned).to.include({ events: 6 });
    await scheduler.runOnce();
    const after = await outbox.readSince(0, { limit: 100 });
    expect(after.events[0]!.id, 'ids keep growing after the outbox was emptied').to.be.greaterThan(before.events[5]!.id);
  });

  it("prunes ingest's write log past scheduler.sensor_write_retention, keeps the watermarks, and counts it", async () => {
    const log = world.writeLog;
    await log.record([
      { sensor: 'a', fromMs: 0, toMs: 1000, points: 2 },
      { sensor: 'b', fromMs: 0, toMs: 2000, points: 3 },
    ]);
    world.now += HOUR;
    await log.record([{ sensor: 'a', fromMs: 5000, toMs: 6000, points: 2 }]);
    const scheduler = world.scheduler({ sensorWriteRetentionMs: 2 * HOUR, retentionIntervalMs: HOUR });
    expect(await scheduler.pruneWhenDue()).to.include({ sensorWrites: 0 }); // none is two hours old yet
    world.now += HOUR + 1; // the first two records are 2 h + 1 ms old, the third 1 h + 1 ms
    expect(await scheduler.pruneWhenDue()).to.include({ sensorWrites: 2 });
    const left = await log.writesSince(0);
    expect(left.map((w) => [w.sensor, w.fromMs])).to.deep.equal([['a', 5000]]);
    const marks = await log.get(['a', 'b']);
    expect([marks.get('a')?.latestMs, marks.get('a')?.points, marks.get('b')?.latestMs]).to.deep.equal([6000, 4, 2000]);
    expect((await world.ledger.retentionTotals()).pruned).to.include({ sensor_writes: 2 });
  });

  it('reports its first tick, and a start_time in the future as anchoring the grid only (scheduling does not wait)', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    const future = world.scheduler({ startTime: '2026-06-01T00:00:00', catchUpHorizonMs: 0 });
    expect(future.firstTick(world.now)).to.deep.equal({
      firstTickAt: '2026-01-01T12:00:00.000Z',
      startTime: '2026-06-01T00:00:00.000Z',
      startTimeInFuture: true,
    });
    expect((await future.runOnce()).windowsQueued).to.equal(1);
    expect(world.scheduler({ runAtOnce: false }).firstTick(world.now)).to.include({
      firstTickAt: '2026-01-01T12:10:00.000Z',
      startTimeInFuture: false,
    });
    const stop = new AbortController();
    stop.abort();
    await world.scheduler().run(stop.signal);
    expect(world.log.withMessage('first tick at')[0]?.fields).to.include({
      firstTickAt: '2026-01-01T12:00:00.000Z',
      startTimeInFuture: false,
    });
  });

  it("prunes the queue's dead letters past scheduler.dead_letter_retention and counts them", async () => {
    const db = await world.reopen();
    const queue = new DatabaseTaskQueue(db, parseEmbeddedQueueConfig({}, 'task_queue'), world.log, {
      owner: 'executor-1',
      clock: world.clock,
    });
    await queue.send([{ id: 'poison', body: 'not a task' }]);
    const [message] = await queue.receive({ maxMessages: 1 });
    await queue.deadLetter(message!, 'malformed: body is not JSON');
    const scheduler = new Scheduler({
      config: schedulerConfig({ deadLetterRetentionMs: 2 * HOUR }),
      models: world.catalog,
      ledger: world.ledger,
      queue: world.sends.queue,
      log: world.log,
      clock: world.clock,
      inspector: queue,
    });
    expect(await scheduler.pruneWhenDue()).to.deep.equal({ windows: 0, runs: 0, deadLetters: 0, events: 0, sensorWrites: 0 });
    world.now += 3 * HOUR;
    expect(await scheduler.pruneWhenDue()).to.deep.equal({ windows: 0, runs: 0, deadLetters: 1, events: 0, sensorWrites: 0 });
    expect(await queue.depth()).to.include({ dead: 0 });
    expect((await world.ledger.retentionTotals()).pruned).to.include({ dead_letters: 1 });
  });
});
