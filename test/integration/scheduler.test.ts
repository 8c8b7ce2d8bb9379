import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { MIN, at, models, SchedulerWorld } from '../unit/scheduler/schedulerHarness.js';

/**
 * The scheduler at the benchmark's size: 9,000 models, 30-minute windows, on a real SQLite file.
 * The bound is loose (the pass takes a fraction of a second on two cores); it catches an accidental
 * query per model or per window, which would take tens of seconds.
 */
describe('scheduler with 9,000 models (SQLite)', function () {
  this.timeout(180_000);
  let world: SchedulerWorld;
  const config = { intervalMs: 30 * MIN, catchUpHorizonMs: 30 * MIN, batchSize: 1000 };

  before(async () => {
    world = await SchedulerWorld.create(at('2026-01-01T12:05:00Z'));
    for (const m of models(9_000)) world.catalog.put(m);
  });
  after(async () => {
    await world.cleanup();
  });

  it('queues one window per model in a first pass well within the cycle budget', async () => {
    const started = performance.now();
    const summary = await world.scheduler(config).runOnce();
    expect(summary).to.include({ models: 9_000, windowsQueued: 9_000 });
    expect(performance.now() - started).to.be.below(10_000);
  });

  it('after a restart queues nothing between ticks and exactly one window per model at the next tick', async () => {
    const restarted = world.scheduler(config, { db: await world.reopen() });
    world.now = at('2026-01-01T12:20:00Z');
    expect(await restarted.runOnce()).to.include({ windowsQueued: 0, duplicatesSkipped: 9_000 });
    world.now = at('2026-01-01T12:30:00Z');
    const started = performance.now();
    expect(await restarted.runOnce()).to.include({ windowsQueued: 9_000, catchUpWindows: 0 });
    expect(performance.now() - started).to.be.below(10_000);
    expect(world.queue.pendingIds()).to.have.length(18_000);
    expect(world.offeredTwice()).to.deep.equal([]);
  });
});
