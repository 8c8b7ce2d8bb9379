import { expect } from 'chai';
import { DatabaseTaskQueue } from '../../../providers/database-queue/DatabaseTaskQueue.js';
import { parseEmbeddedQueueConfig } from '../../../providers/database-queue/config.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import type { ProcessRecord } from '../../../src/processes/ProcessRegistry.js';
import { Registry } from 'prom-client';
import { registerBacklogGauges } from '../../../src/observability/backlogGauges.js';
import { ProcessRegistry } from '../../../src/processes/ProcessRegistry.js';
import { unservedLanes, unservedPools, waitingUnserved } from '../../../src/processes/unservedLanes.js';
import { openTempDatabase, type TempDatabase } from './tempDatabase.js';

describe('DatabaseTaskQueue lanes (executor pools)', () => {
  let temp: TempDatabase;
  const config = parseEmbeddedQueueConfig({ visibility_timeout: '60s', poll_interval: 10 }, 'task_queue');
  beforeEach(async () => (temp = await openTempDatabase()));
  afterEach(() => temp.cleanup());

  it('an executor of a pool leases only its lanes; one without a pool leases every lane', async () => {
    const queue = new DatabaseTaskQueue(temp.db, config, silentLogger, { owner: 'x', clock: () => 1_000 });
    await queue.send([
      { id: 'f1', body: 'forecast task', lane: 'forecast' },
      { id: 'p1', body: 'pca task', lane: 'pca_anomaly' },
      { id: 't1', body: 'threshold task', lane: 'threshold' },
      { id: 'old', body: 'sent without a lane' },
    ]);
    const fast = await queue.receive({ maxMessages: 10, lanes: ['pca_anomaly', 'threshold'] });
    expect(fast.map((m) => m.id).sort()).to.deep.equal(['old', 'p1', 't1']);
    expect(await queue.receive({ maxMessages: 10, lanes: ['pca_anomaly', 'threshold'] })).to.deep.equal([]);
    const heavy = await queue.receive({ maxMessages: 10, lanes: ['forecast'] });
    expect(heavy.map((m) => m.id)).to.deep.equal(['f1']);
  });

  it('waits for a message of its lanes, not waking on another lane', async () => {
    const queue = new DatabaseTaskQueue(temp.db, config, silentLogger, { owner: 'x', clock: () => 1_000 });
    await queue.send([{ id: 'f1', body: 'forecast task', lane: 'forecast' }]);
    expect(await queue.receive({ maxMessages: 1, waitMs: 50, lanes: ['threshold'] })).to.deep.equal([]);
    expect((await queue.receive({ maxMessages: 1, waitMs: 50 })).map((m) => m.id)).to.deep.equal(['f1']);
  });

  it('shows ready tasks of a kind no live executor serves as waiting', async () => {
    const queue = new DatabaseTaskQueue(temp.db, config, silentLogger, { owner: 'x', clock: () => 1_000 });
    await queue.send([
      { id: 'f1', body: 'forecast task', lane: 'forecast' },
      { id: 'f2', body: 'forecast task', lane: 'forecast' },
      { id: 'p1', body: 'pca task', lane: 'pca_anomaly' },
    ]);
    const ready = await queue.readyByLane();
    expect(ready).to.deep.equal({ forecast: 2, pca_anomaly: 1 });
    const pools = { fast: ['pca_anomaly', 'threshold'], heavy: ['forecast'] };
    const executor = (name: string, state: 'live' | 'lost', pool?: string): ProcessRecord => ({
      name,
      role: 'executor',
      host: 'h',
      pid: 1,
      version: 'v',
      startedAt: 0,
      inFlight: 0,
      done: 0,
      failed: 0,
      rate: 0,
      lastSeen: 0,
      state,
      ...(pool === undefined ? {} : { pool }),
    });
    expect(unservedLanes(ready, [executor('e1', 'live', 'fast'), executor('e2', 'lost', 'heavy')], pools)).to.deep.equal({ forecast: 2 });
    expect(unservedLanes(ready, [executor('e1', 'live', 'fast'), executor('e2', 'live', 'heavy')], pools)).to.deep.equal({});
    expect(unservedLanes(ready, [executor('e3', 'live')], pools)).to.deep.equal({});

    // A hub per pool (Event Hubs): the count is the pool's, keyed by its kinds; only that pool's executors
    // read its hub, so an executor without a pool (it reads the section's hub) serves none of it.
    const byPool = { fast: 3, heavy: 2 };
    expect(unservedPools(byPool, [executor('e1', 'live', 'fast'), executor('e2', 'lost', 'heavy')], pools)).to.deep.equal({ forecast: 2 });
    expect(unservedPools(byPool, [executor('e3', 'live')], pools)).to.deep.equal({ 'pca_anomaly+threshold': 3, forecast: 2 });
    expect(unservedPools({ fast: 0, heavy: 2 }, [executor('e2', 'live', 'heavy')], pools)).to.deep.equal({});
    expect(
      await waitingUnserved({ readyByPool: async () => byPool, processes: async () => [executor('e2', 'live', 'heavy')], pools }),
    ).to.deep.equal({ 'pca_anomaly+threshold': 3 });
  });

  it('reports the waiting tasks from the queue and the heartbeats, and as latigo_queue_unserved_tasks{kind}', async () => {
    let now = 1_000;
    const queue = new DatabaseTaskQueue(temp.db, config, silentLogger, { owner: 'x', clock: () => now });
    const registry = new ProcessRegistry(temp.db);
    const beat = (name: string, pool: string) =>
      registry.beat(
        { name, role: 'executor', host: 'h', pid: 1, version: 'v', startedAt: 0, inFlight: 0, done: 0, failed: 0, rate: 0, pool },
        now,
      );
    await queue.send([
      { id: 'f1', body: 'forecast task', lane: 'forecast' },
      { id: 't1', body: 'threshold task', lane: 'threshold' },
    ]);
    const pools = { fast: ['pca_anomaly', 'threshold'], heavy: ['forecast'] };
    const waiting = () => waitingUnserved({ readyByLane: () => queue.readyByLane(), processes: () => registry.list(now, 10_000), pools });
    const metrics = new Registry();
    registerBacklogGauges(metrics, {
      ledger: { oldestQueuedSentAt: async () => undefined },
      clock: () => now,
      log: silentLogger,
      unserved: waiting,
    });
    const gauge = async () =>
      (await metrics.getSingleMetric('latigo_queue_unserved_tasks')!.get()).values.map((v) => [v.labels['kind'], v.value]);

    await beat('fast-1', 'fast');
    expect(await waiting()).to.deep.equal({ forecast: 1 });
    expect(await gauge()).to.deep.equal([['forecast', 1]]);
    await beat('heavy-1', 'heavy');
    expect(await waiting()).to.deep.equal({});
    expect(await gauge()).to.deep.equal([]);
    now += 20_000; // heavy-1's heartbeat is now lost; fast-1 beats on
    await beat('fast-1', 'fast');
    expect(await gauge()).to.deep.equal([['forecast', 1]]);
    expect(await waitingUnserved({ processes: async () => [], pools })).to.equal(undefined); // a queue without lanes
  });
});
