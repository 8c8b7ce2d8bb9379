import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { at, iso, SchedulerWorld } from './schedulerHarness.js';

/** Waits (in real time) until `condition` holds; fails the test after `timeoutMs`. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

describe('Scheduler.run', () => {
  let world: SchedulerWorld;
  let controller: AbortController;
  let running: Promise<void> | undefined;

  beforeEach(async () => {
    world = await SchedulerWorld.create(at('2026-01-01T12:05:00Z'));
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    controller = new AbortController();
    running = undefined;
  });
  afterEach(async () => {
    controller.abort();
    await running;
    await world.cleanup();
  });

  // poll_interval 20 ms: with the injected clock standing still, the loop wakes every 20 ms of real time,
  // and runs a pass only once the test moves the clock to the next tick or poll.
  const start = (config: Parameters<SchedulerWorld['scheduler']>[0] = {}): void => {
    running = world.scheduler({ pollIntervalMs: 20, ...config }).run(controller.signal);
  };

  it('with run_at_once, runs a pass immediately', async () => {
    start({ runAtOnce: true });
    await eventually(() => world.queue.accepted.length === 6, 'the first pass queued the horizon');
    expect(world.sentWindows('pump')[0]).to.equal('2026-01-01T11:49:00.000Z');
  });

  it('without run_at_once, waits for the next tick before the first pass', async () => {
    start({ runAtOnce: false });
    await sleep(100);
    expect(world.queue.accepted).to.have.length(0);
    world.now = at('2026-01-01T12:10:00Z');
    await eventually(() => world.queue.accepted.length > 0, 'the pass at the tick queued windows');
    expect(world.sentWindows('pump')[0]).to.equal('2026-01-01T11:59:00.000Z');
  });

  it('runs a pass at every tick, each queuing only the new window', async () => {
    start();
    await eventually(() => world.queue.accepted.length === 6, 'the first pass finished');
    for (const tick of ['12:10', '12:20', '12:30']) {
      world.now = at(`2026-01-01T${tick}:00Z`);
      await eventually(
        () => world.sentWindows('pump').includes(iso(at(`2026-01-01T${tick}:00Z`) - 11 * 60_000)),
        `the ${tick} window was queued`,
      );
    }
    expect(world.queue.accepted).to.have.length(9);
    expect(world.offeredTwice()).to.deep.equal([]);
  });

  it('picks up a model added between ticks on the next poll', async () => {
    start();
    await eventually(() => world.queue.accepted.length === 6, 'the first pass finished');
    world.catalog.put({ project: 'plant', name: 'valve', revision: 'r1' });
    world.now += 1_000; // past the poll interval, still before the next tick
    await eventually(() => world.sentWindows('valve').length === 6, 'the new model got its history');
  });

  it('logs a failed pass and keeps going', async () => {
    world.sends.failNextSends(1);
    start();
    await eventually(() => world.log.withMessage('schedule pass failed; retrying next pass').length === 1, 'the failure was logged');
    world.now += 1_000;
    await eventually(() => world.queue.accepted.length === 6, 'the next pass queued everything');
    expect(world.log.withMessage('schedule pass failed; retrying next pass')[0]?.fields.error).to.equal('queue unreachable');
  });

  it('stops promptly when aborted while sleeping', async () => {
    running = world.scheduler({ pollIntervalMs: 3_600_000 }).run(controller.signal);
    await eventually(() => world.queue.accepted.length === 6, 'the first pass finished');
    const abortedAt = Date.now();
    controller.abort();
    await running;
    expect(Date.now() - abortedAt).to.be.below(500);
  });
});
