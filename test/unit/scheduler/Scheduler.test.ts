import { expect } from 'chai';
import { DateTime } from 'luxon';
import { newTask, taskId } from '../../../src/domain/Task.js';
import { ProviderError } from '../../../src/runtime/errors.js';
import { HOUR, MIN, at, iso, models, SchedulerWorld } from './schedulerHarness.js';

describe('Scheduler.runOnce', () => {
  let world: SchedulerWorld;

  beforeEach(async () => {
    world = await SchedulerWorld.create(at('2026-01-01T12:05:00Z'));
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('queues the newest window of every model first, then the catch-up of the horizon', async () => {
    for (const m of models(3)) world.catalog.put(m);
    const summary = await world.scheduler().runOnce();
    expect(summary).to.include({ models: 3, windowsQueued: 18, catchUpWindows: 15, duplicatesSkipped: 0, resent: 0, listingFailures: 0 });
    expect(iso(summary.tickMs)).to.equal('2026-01-01T12:00:00.000Z');
    // Ticks 11:10 .. 12:00 are due in (11:05, 12:05]; window = [previous tick - 1 min delay, tick - 1 min).
    expect(world.sentWindows('model-0000')).to.deep.equal([
      '2026-01-01T11:49:00.000Z',
      '2026-01-01T10:59:00.000Z',
      '2026-01-01T11:09:00.000Z',
      '2026-01-01T11:19:00.000Z',
      '2026-01-01T11:29:00.000Z',
      '2026-01-01T11:39:00.000Z',
    ]);
    expect(
      world
        .sent()
        .slice(0, 3)
        .map((t) => iso(t.window.fromMs)),
    ).to.deep.equal(Array(3).fill('2026-01-01T11:49:00.000Z'));
    const live = world.sent()[0]!;
    expect(await world.ledger.get(live.id)).to.include({ origin: 'schedule', state: 'queued', enqueuedAt: world.now });
    expect(await world.ledger.get(world.sent()[3]!.id)).to.include({ origin: 'catch_up' });
    expect(await world.ledger.unsent(10)).to.deep.equal([]);
  });

  it('sends each task under its id, keyed by project and model, with the revision it listed', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'rev-7' });
    await world.scheduler({ catchUpHorizonMs: 0 }).runOnce();
    const [message] = world.queue.accepted;
    expect(message?.partitionKey).to.equal('plant/pump');
    expect(message?.id).to.equal(
      taskId('plant', 'pump', 'rev-7', { fromMs: at('2026-01-01T11:49:00Z'), toMs: at('2026-01-01T11:59:00Z') }),
    );
    expect(world.sent()[0]).to.include({ revision: 'rev-7', id: message?.id });
  });

  it('queues nothing between ticks and exactly one window per model at the next tick', async () => {
    for (const m of models(3)) world.catalog.put(m);
    const scheduler = world.scheduler();
    await scheduler.runOnce();
    world.now = at('2026-01-01T12:09:59Z');
    expect(await scheduler.runOnce()).to.include({ windowsQueued: 0 });
    world.now = at('2026-01-01T12:10:00Z');
    expect(await scheduler.runOnce()).to.include({ windowsQueued: 3, catchUpWindows: 0 });
    expect(
      world
        .sent()
        .slice(-3)
        .map((t) => iso(t.window.fromMs)),
    ).to.deep.equal(Array(3).fill('2026-01-01T11:59:00.000Z'));
    expect(world.offeredTwice()).to.deep.equal([]);
  });

  it('catches up every window missed during downtime', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    await world.scheduler({ catchUpHorizonMs: 6 * HOUR }).runOnce();
    const before = world.sentWindows('pump').length;
    world.now = at('2026-01-01T14:37:00Z');
    const summary = await world.scheduler({ catchUpHorizonMs: 6 * HOUR }).runOnce();
    // Ticks 12:10 .. 14:30 were missed: 15 windows, the newest with origin 'schedule'.
    expect(summary).to.include({ windowsQueued: 15, catchUpWindows: 14 });
    const caughtUp = world.sentWindows('pump').slice(before);
    expect(caughtUp[0]).to.equal('2026-01-01T14:19:00.000Z');
    expect(caughtUp.slice(1)).to.deep.equal(Array.from({ length: 14 }, (_, i) => iso(at('2026-01-01T11:59:00Z') + i * 10 * MIN)));
    expect(world.offeredTwice()).to.deep.equal([]);
  });

  it('bounds the catch-up after long downtime by the horizon', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    await world.scheduler().runOnce();
    world.now = at('2026-01-03T12:05:00Z');
    const summary = await world.scheduler({ catchUpHorizonMs: 6 * HOUR }).runOnce();
    expect(summary.windowsQueued).to.equal(36);
    const oldest = Math.min(
      ...world
        .sent()
        .slice(-36)
        .map((t) => t.window.fromMs),
    );
    expect(iso(oldest)).to.equal('2026-01-03T05:59:00.000Z'); // window of the first tick after now - 6 h (06:10)
  });

  it('never enqueues a window twice after a restart, even on another connection', async () => {
    for (const m of models(3)) world.catalog.put(m);
    await world.scheduler().runOnce();
    const restarted = world.scheduler({}, { db: await world.reopen() });
    expect(await restarted.runOnce()).to.include({ windowsQueued: 0, duplicatesSkipped: 18 });
    world.now = at('2026-01-01T12:07:00Z');
    expect(await restarted.runOnce()).to.include({ windowsQueued: 0 });
    expect(world.sends.offered).to.have.length(18);
  });

  it('never enqueues a window twice when two schedulers pass at the same moment', async () => {
    for (const m of models(50)) world.catalog.put(m);
    const other = world.scheduler({}, { db: await world.reopen() });
    const [a, b] = await Promise.all([world.scheduler().runOnce(), other.runOnce()]);
    // Each window is new to the ledger for exactly one of them. (One may still resend a window the other
    // recorded a moment before sending: a duplicate delivery, which every queue may make anyway.)
    expect(a.windowsQueued + b.windowsQueued).to.equal(300);
    expect(a.duplicatesSkipped + b.duplicatesSkipped).to.equal(300);
    expect(world.queue.pendingIds()).to.have.length(300);
  });

  it('gives a model added later its recent history up to the horizon', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    const scheduler = world.scheduler();
    await scheduler.runOnce();
    world.now = at('2026-01-01T12:15:00Z');
    world.catalog.put({ project: 'plant', name: 'valve', revision: 'r1' });
    expect(await scheduler.runOnce()).to.include({ windowsQueued: 7, catchUpWindows: 5 });
    expect(world.sentWindows('valve')).to.deep.equal([
      '2026-01-01T11:59:00.000Z',
      ...['11:09', '11:19', '11:29', '11:39', '11:49'].map((t) => `2026-01-01T${t}:00.000Z`),
    ]);
    expect(world.sentWindows('pump')).to.have.length(7);
  });

  it('queues windows for a new revision, pinned to it, without resending the old revision', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    const scheduler = world.scheduler();
    await scheduler.runOnce();
    world.now = at('2026-01-01T12:07:00Z');
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r2' });
    expect(await scheduler.runOnce()).to.include({ windowsQueued: 6 });
    expect(world.sentWindows('pump', 'r2')).to.have.length(6);
    expect(world.sentWindows('pump', 'r1')).to.have.length(6);
    expect(new Set(world.sentWindows('pump', 'r2'))).to.deep.equal(new Set(world.sentWindows('pump', 'r1')));
    expect(world.offeredTwice()).to.deep.equal([]);
  });

  it('resends windows recorded but never sent when the process died in between', async () => {
    const crashed = [0, 1].map((i) =>
      newTask('plant', 'pump', 'r1', {
        fromMs: at('2026-01-01T11:39:00Z') + i * 10 * MIN,
        toMs: at('2026-01-01T11:49:00Z') + i * 10 * MIN,
      }),
    );
    await world.ledger.recordNew(crashed, 'schedule'); // recorded, then the process died before sending
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    const summary = await world.scheduler().runOnce();
    expect(summary).to.include({ resent: 2, windowsQueued: 4, duplicatesSkipped: 2 });
    expect(world.queue.pendingIds()).to.include.members(crashed.map((t) => t.id));
    expect(await world.ledger.unsent(10)).to.deep.equal([]);
    expect(world.offeredTwice()).to.deep.equal([]);
  });

  it('resends on the next pass the windows of a pass whose send failed', async () => {
    for (const m of models(2)) world.catalog.put(m);
    const scheduler = world.scheduler();
    world.sends.failNextSends(1);
    let failure: unknown;
    await scheduler.runOnce().catch((err: unknown) => {
      failure = err;
    });
    expect(failure).to.be.instanceOf(ProviderError);
    expect(await world.ledger.unsent(100)).to.have.length(2);
    const summary = await scheduler.runOnce();
    expect(summary.resent).to.equal(2);
    expect(world.queue.pendingIds()).to.have.length(12);
    expect(await world.ledger.unsent(100)).to.deep.equal([]);
  });

  it('logs a failed listing, queues nothing, and catches up on the next pass', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    world.catalog.failListing(new ProviderError('catalogue down', { retryable: true }));
    const scheduler = world.scheduler();
    expect(await scheduler.runOnce()).to.include({ listingFailures: 1, windowsQueued: 0 });
    expect(world.log.lines.filter((l) => l.level === 'warn').map((l) => l.fields.error)).to.deep.equal(['catalogue down']);
    world.catalog.failListing(undefined);
    world.now = at('2026-01-01T12:25:00Z');
    expect(await scheduler.runOnce()).to.include({ windowsQueued: 6 });
    expect(world.sentWindows('pump')[0]).to.equal('2026-01-01T12:09:00.000Z');
  });

  it('sends in batches of batch_size', async () => {
    for (const m of models(3)) world.catalog.put(m);
    await world.scheduler({ batchSize: 4 }).runOnce();
    expect(world.sends.sendSizes).to.deep.equal([3, 4, 4, 4, 3]);
  });

  it('logs one info line per pass that queued something, with its counts', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    const scheduler = world.scheduler();
    await scheduler.runOnce();
    await scheduler.runOnce();
    const passes = world.log.withMessage('schedule pass');
    expect(passes.map((l) => l.level)).to.deep.equal(['info', 'debug']);
    expect(passes[0]?.fields).to.include({ models: 1, windowsQueued: 6, catchUpWindows: 5, tick: '2026-01-01T12:00:00.000Z' });
  });

  it('aligns windows to start_time across midnight', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    world.now = at('2026-01-02T00:06:00Z');
    await world.scheduler({ startTime: '2026-01-01T00:20:00', intervalMs: 25 * MIN, delayMs: 0 }).runOnce();
    expect(world.sent().map((t) => [iso(t.window.fromMs), iso(t.window.toMs)])).to.deep.equal([
      ['2026-01-01T23:40:00.000Z', '2026-01-02T00:05:00.000Z'],
      ['2026-01-01T22:50:00.000Z', '2026-01-01T23:15:00.000Z'],
      ['2026-01-01T23:15:00.000Z', '2026-01-01T23:40:00.000Z'],
    ]);
  });

  it('reads start_time in the configured time zone and keeps daily windows at local midnight across DST', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    world.now = at('2026-03-29T22:30:00Z'); // 00:30 on 30 March in Oslo, the day after the spring change
    await world.scheduler({ timeZone: 'Europe/Oslo', intervalMs: 24 * HOUR, delayMs: 0, catchUpHorizonMs: 60 * HOUR }).runOnce();
    const windows = world
      .sent()
      .sort((a, b) => a.window.fromMs - b.window.fromMs)
      .map((t) => t.window);
    const local = (ms: number): string => DateTime.fromMillis(ms, { zone: 'Europe/Oslo' }).toFormat('MM-dd HH:mm');
    expect(windows.map((w) => `${local(w.fromMs)} ${(w.toMs - w.fromMs) / HOUR}h`)).to.deep.equal([
      '03-27 00:00 24h',
      '03-28 00:00 24h',
      '03-29 00:00 23h',
    ]);
  });

  it('keeps 30-minute windows contiguous and on the half hour through the DST gap', async () => {
    world.catalog.put({ project: 'plant', name: 'pump', revision: 'r1' });
    world.now = at('2026-03-29T02:10:00Z');
    await world.scheduler({ timeZone: 'Europe/Oslo', intervalMs: 30 * MIN, delayMs: 0, catchUpHorizonMs: 2 * HOUR }).runOnce();
    const windows = world
      .sent()
      .sort((a, b) => a.window.fromMs - b.window.fromMs)
      .map((t) => t.window);
    const local = (ms: number): string => DateTime.fromMillis(ms, { zone: 'Europe/Oslo' }).toFormat('HH:mm');
    expect(windows.map((w) => `${local(w.fromMs)}-${local(w.toMs)}`)).to.deep.equal([
      '01:00-01:30',
      '01:30-03:00',
      '03:00-03:30',
      '03:30-04:00',
    ]);
    for (const w of windows) expect(w.toMs - w.fromMs).to.equal(30 * MIN);
  });
});
