import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeTask } from '../../../src/domain/taskCodec.js';
import { isAbortError, NotFoundError } from '../../../src/runtime/errors.js';
import { HOUR, MIN, at, iso, models, SchedulerWorld } from './schedulerHarness.js';

const range = { fromMs: at('2025-12-31T00:00:00Z'), toMs: at('2025-12-31T10:00:00Z') };

describe('Scheduler.backfill', () => {
  let world: SchedulerWorld;

  beforeEach(async () => {
    world = await SchedulerWorld.create(at('2026-01-01T12:05:00Z'));
    for (const m of models(2)) world.catalog.put(m);
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('queues every window that covers part of the range, aligned outward to the ticks, oldest first', async () => {
    const progress: { done: number; total: number }[] = [];
    const summary = await world.scheduler().backfill({ ...range, onProgress: (p) => progress.push(p) });
    // 10-minute ticks, 1-minute delay: windows [23:59 + 10k, 00:09 + 10k); 61 of them cover [00:00, 10:00),
    // from [23:59, 00:09) to [09:59, 10:09).
    expect(summary).to.include({ models: 2, windows: 122, queued: 122, alreadyRecorded: 0 });
    expect(summary.covering).to.deep.equal({ fromMs: at('2025-12-30T23:59:00Z'), toMs: at('2025-12-31T10:09:00Z') });
    const starts = world.sentWindows('model-0000');
    expect(starts).to.have.length(61);
    expect(starts[0]).to.equal('2025-12-30T23:59:00.000Z');
    expect(starts.at(-1)).to.equal('2025-12-31T09:59:00.000Z');
    expect([...starts].sort()).to.deep.equal(starts);
    expect(progress.at(-1)).to.deep.equal({ done: 122, total: 122 });
    expect(await world.ledger.get(world.sent()[0]!.id)).to.include({ origin: 'backfill', state: 'queued' });
  });

  it('covers every instant of a range whose --from and --to lie off the window grid', async () => {
    const offGrid = { fromMs: at('2025-12-31T00:05:30Z'), toMs: at('2025-12-31T01:54:10Z') };
    const summary = await world.scheduler().backfill({ ...offGrid, models: ['plant/model-0000'] });
    const windows = world
      .sent()
      .map((task) => task.window)
      .sort((a, b) => a.fromMs - b.fromMs);
    for (let t = offGrid.fromMs; t < offGrid.toMs; t += 10_000) {
      expect(
        windows.filter((w) => w.fromMs <= t && t < w.toMs),
        `windows holding ${iso(t)}`,
      ).to.have.length(1);
    }
    expect(windows.filter((w) => w.fromMs <= offGrid.toMs - 1 && offGrid.toMs - 1 < w.toMs)).to.have.length(1);
    // [23:59, 00:09) .. [01:49, 01:59): 12 windows, no more than needed.
    expect(summary).to.include({ windows: 12, queued: 12 });
    expect(summary.covering).to.deep.equal({ fromMs: at('2025-12-30T23:59:00Z'), toMs: at('2025-12-31T01:59:00Z') });
  });

  it('never queues a window whose tick is still in the future', async () => {
    const summary = await world.scheduler().backfill({ fromMs: at('2026-01-01T11:00:00Z'), toMs: at('2026-01-01T14:00:00Z') });
    const newest = Math.max(...world.sent().map((t) => t.window.toMs));
    expect(iso(newest)).to.equal('2026-01-01T11:59:00.000Z'); // due at the 12:00 tick; 12:10 is after now
    expect(summary.windows).to.equal(2 * 6); // [10:59, 11:09) .. [11:49, 11:59)
  });

  it('selects models by "project/model" or by name, and refuses names that match nothing', async () => {
    world.catalog.put({ project: 'other', name: 'model-0000', revision: 'r9' });
    const byName = await world.scheduler().backfill({ ...range, models: ['model-0000'] });
    expect(byName.models).to.equal(2);
    const byKey = await world.scheduler().backfill({ ...range, models: ['plant/model-0001'] });
    expect(byKey).to.include({ models: 1, queued: 61 });
    let failure: unknown;
    await world
      .scheduler()
      .backfill({ ...range, models: ['plant/ghost', 'model-0001'] })
      .catch((err: unknown) => {
        failure = err;
      });
    expect(failure).to.be.instanceOf(NotFoundError);
    expect((failure as Error).message)
      .to.contain('"plant/ghost"')
      .and.not.contain('model-0001');
  });

  it('resumes after an interruption, queuing each window once', async () => {
    const controller = new AbortController();
    let failure: unknown;
    await world
      .scheduler({ batchSize: 10 })
      .backfill({
        ...range,
        maxQueued: 1_000,
        signal: controller.signal,
        onProgress: ({ done }) => {
          if (done >= 40) controller.abort();
        },
      })
      .catch((err: unknown) => {
        failure = err;
      });
    expect(isAbortError(failure)).to.equal(true);
    const first = world.sends.offered.length;
    expect(first).to.be.within(40, 121);

    const summary = await world.scheduler({ batchSize: 10 }).backfill({ ...range, maxQueued: 1_000 });
    expect(summary).to.include({ windows: 122, queued: 122 - first, alreadyRecorded: first });
    expect(world.queue.pendingIds()).to.have.length(122);
    expect(world.offeredTwice()).to.deep.equal([]);
  });

  it('skips windows the live schedule already queued', async () => {
    await world.scheduler({ catchUpHorizonMs: 2 * HOUR }).runOnce();
    const summary = await world.scheduler().backfill({ fromMs: at('2026-01-01T09:00:00Z'), toMs: at('2026-01-01T12:00:00Z') });
    expect(summary).to.include({ windows: 2 * 18, alreadyRecorded: 2 * 12, queued: 2 * 6 });
    expect(world.offeredTwice()).to.deep.equal([]);
  });

  it('paces itself by the backfill windows still queued, so a live window waits behind at most that many', async () => {
    const maxQueued = 20;
    const backlogAtSend: number[] = [];
    const original = world.sends.queue.send.bind(world.sends.queue);
    world.sends.queue.send = async (messages, options) => {
      const result = await original(messages, options);
      backlogAtSend.push(await world.ledger.queuedCount('backfill'));
      return result;
    };
    // A slow executor: takes a few windows every 10 ms and finishes them in the ledger.
    const stopExecutor = new AbortController();
    const executor = (async () => {
      while (!stopExecutor.signal.aborted) {
        for (const message of await world.queue.receive({ maxMessages: 3 })) {
          const task = decodeTask(message.body);
          await world.ledger.begin(task, 'executor-1');
          await world.ledger.finish(task, { state: 'succeeded' }, { executor: 'executor-1', startedAt: world.now });
          await world.queue.ack(message);
        }
        await sleep(10);
      }
    })();

    const backfill = world.scheduler({ batchSize: 10 }).backfill({ ...range, maxQueued, pollMs: 2 });
    while (world.sends.offered.length < 40) await sleep(2);
    world.now = at('2026-01-01T12:10:00Z');
    await world.scheduler({ catchUpHorizonMs: 0 }).runOnce(); // the live tick, sent while the backfill runs
    const live = world.sent().find((t) => t.window.fromMs === at('2026-01-01T11:59:00Z'))!;
    const ahead = world.queue.pendingIds().indexOf(live.id);

    const summary = await backfill;
    stopExecutor.abort();
    await executor;
    expect(summary.queued).to.equal(122);
    expect(Math.max(...backlogAtSend)).to.be.at.most(maxQueued);
    // Ahead of it: at most maxQueued waiting backfill windows, plus the 3 the executor may hold leased.
    expect(ahead).to.be.within(0, maxQueued + 3);
  });
});

describe('Scheduler.backfill with a daily schedule across DST', () => {
  let world: SchedulerWorld;
  beforeEach(async () => {
    world = await SchedulerWorld.create(at('2026-04-01T12:00:00Z'));
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('queues one window per local calendar day, the spring-change day lasting 23 hours', async () => {
    const summary = await world
      .scheduler({ timeZone: 'Europe/Oslo', intervalMs: 24 * HOUR, delayMs: 0 })
      .backfill({ fromMs: at('2026-03-27T23:00:00Z'), toMs: at('2026-03-31T22:00:00Z') });
    expect(summary.windows).to.equal(4);
    expect(world.sent().map((t) => (t.window.toMs - t.window.fromMs) / MIN / 60)).to.deep.equal([24, 23, 24, 24]);
  });
});
