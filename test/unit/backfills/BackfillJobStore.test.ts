import { expect } from 'chai';
import { BackfillJobStore } from '../../../src/backfills/BackfillJobStore.js';
import { openTempDatabase, type TempDatabase } from '../embedded/tempDatabase.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

describe('BackfillJobStore', () => {
  let temp: TempDatabase;
  let now: number;
  let store: BackfillJobStore;
  let n = 0;
  const job = (fromH: number, toH: number, models?: string[]) => ({
    id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    fromMs: T0 + fromH * HOUR,
    toMs: T0 + toH * HOUR,
    ...(models === undefined ? {} : { models }),
    requestedBy: 'test',
  });
  const created = async (spec: ReturnType<typeof job>) => {
    const result = await store.create(spec);
    if (!('created' in result)) throw new Error(`expected a new job, got a conflict with ${result.conflict.id}`);
    return result.created;
  };

  beforeEach(async () => {
    temp = await openTempDatabase();
    now = T0 + 100 * HOUR;
    store = new BackfillJobStore(temp.db, () => now);
  });
  afterEach(() => temp.cleanup());

  it('refuses a job overlapping an active one for a shared model, naming it, and accepts disjoint ones', async () => {
    const first = await created(job(0, 10, ['plant/a', 'plant/b']));
    expect(first.state).to.equal('pending');
    const overlapping = await store.create(job(5, 15, ['b']));
    expect('conflict' in overlapping && overlapping.conflict.id).to.equal(first.id);
    const everyModel = await store.create(job(9, 12));
    expect('conflict' in everyModel && everyModel.conflict.id, 'every model includes a and b').to.equal(first.id);
    await created(job(5, 15, ['plant/c'])); // another model
    await created(job(10, 20, ['plant/a'])); // the range after (half-open)
  });

  it('frees the range once the job is cancelled', async () => {
    const first = await created(job(0, 10));
    const cancelled = await store.update(first.id, { state: 'cancelled' });
    expect(cancelled && 'state' in cancelled && cancelled.state).to.equal('cancelled');
    await created(job(0, 10));
    expect(await store.update(first.id, { state: 'paused' })).to.deep.equal({ refused: 'the backfill is already cancelled' });
  });

  it('lets one owner claim a job until its lease lapses; the same owner reclaims it at once', async () => {
    const first = await created(job(0, 10));
    const claimed = await store.claim('scheduler-1', 30_000);
    expect(claimed?.id).to.equal(first.id);
    expect(claimed?.state).to.equal('running');
    expect(await store.claim('scheduler-2', 30_000), 'held by scheduler-1').to.equal(undefined);
    expect((await store.claim('scheduler-1', 30_000))?.id, 'restarted under the same name').to.equal(first.id);
    now += 30_001;
    expect((await store.claim('scheduler-2', 30_000))?.owner, 'the lease lapsed').to.equal('scheduler-2');
    expect(await store.renew(first.id, 'scheduler-1', 30_000), 'scheduler-1 lost its claim').to.equal(undefined);
  });

  it('pauses a running job, resumes it as pending for a scheduler to claim, and never claims a paused one', async () => {
    const first = await created(job(0, 10));
    await store.claim('scheduler-1', 30_000);
    const paused = await store.update(first.id, { state: 'paused', windowsPerMinute: 60 });
    expect(paused && 'state' in paused && [paused.state, paused.windowsPerMinute]).to.deep.equal(['paused', 60]);
    await store.release(first.id, 'scheduler-1');
    expect(await store.claim('scheduler-1', 30_000)).to.equal(undefined);
    const resumed = await store.update(first.id, { state: 'running', windowsPerMinute: null });
    expect(resumed && 'state' in resumed && [resumed.state, resumed.windowsPerMinute]).to.deep.equal(['pending', undefined]);
    expect((await store.claim('scheduler-1', 30_000))?.state).to.equal('running');
  });

  it('records progress and ends a job, releasing its claim', async () => {
    const first = await created(job(0, 10));
    await store.claim('scheduler-1', 30_000);
    await store.progress(first.id, {
      total: 60,
      planned: 30,
      finished: 12,
      finishedAtStart: 10,
      covering: { fromMs: T0, toMs: T0 + 10 * HOUR },
    });
    await store.progress(first.id, { finished: 20, finishedAtStart: 19 });
    const read = await store.get(first.id);
    expect(read).to.include({ total: 60, planned: 30, finished: 20, finishedAtStart: 10 });
    await store.end(first.id, 'finished');
    const ended = await store.get(first.id);
    expect(ended).to.include({ state: 'finished', endedAt: now });
    expect(ended?.owner).to.equal(undefined);
    expect((await store.list(10, { states: ['finished'] })).map((j) => j.id)).to.deep.equal([first.id]);
  });
});
