import { expect } from 'chai';
import { WindowLedger } from '../../../src/ledger/WindowLedger.js';
import { openDatabase, type OpenDatabase as Database } from '../../../src/persistence/dataSource.js';
import { runMigrations } from '../../../src/persistence/migrate.js';
import { failAlways, transientError } from '../../fakes/FlakyProvider.js';
import { InMemoryModelExecution } from '../../fakes/InMemoryModelExecution.js';
import { InMemorySensorData } from '../../fakes/InMemorySensorData.js';
import { RecordingTaskQueue } from '../../fakes/RecordingTaskQueue.js';
import { deliver, executorConfig, harness, ROWS_PER_WINDOW, task } from './harness.js';

/** The executor against the real window ledger (in-memory SQLite): the fake ledger must not hide a mismatch. */
describe('Executor with the WindowLedger', () => {
  let db: Database;
  let ledger: WindowLedger;

  beforeEach(async () => {
    db = await openDatabase({ url: 'sqlite::memory:', busyTimeoutMs: 5_000, logQueries: false });
    await runMigrations(db);
    ledger = new WindowLedger(db, () => Date.now());
  });
  afterEach(async () => {
    await db.close();
  });

  it('records a succeeded window with its rows, quality and one run, and skips its redelivery', async () => {
    const h = harness({ ledger });
    expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('succeeded');
    const record = await ledger.get(task().id);
    expect(record).to.include({ state: 'succeeded', rowsWritten: ROWS_PER_WINDOW, attempts: 1 });
    expect(record?.quality).to.include({ rawPoints: 2 * ROWS_PER_WINDOW, droppedNonFinite: 0 });
    expect((await ledger.runs(task().id)).map((r) => [r.status, r.executor])).to.deep.equal([['succeeded', 'executor-test']]);

    expect(await h.executor.processMessage(await deliver(h.queue))).to.equal('skipped');
    expect(h.storage.storeCalls).to.equal(1);
    expect(await ledger.runs(task().id)).to.have.length(1);
  });

  it('records a transient failure as failed with its class, and runs the window again on redelivery', async () => {
    const down = failAlways(new InMemorySensorData(), 'getData', () => transientError('historian unreachable'));
    const failing = harness({ ledger, sensorData: down.provider });
    expect(await failing.executor.processMessage(await deliver(failing.queue))).to.equal('failed');
    expect(await ledger.get(task().id)).to.include({ state: 'failed', errorClass: 'transient', errorMessage: 'historian unreachable' });

    const healthy = harness({ ledger });
    expect(await healthy.executor.processMessage(await deliver(healthy.queue))).to.equal('succeeded');
    expect(await ledger.get(task().id)).to.include({ state: 'succeeded', attempts: 2 });
    expect((await ledger.runs(task().id)).map((r) => r.status)).to.deep.equal(['failed', 'succeeded']);
  });

  it('keeps a window finished with insufficient data when a duplicate delivery fails late', async () => {
    let now = Date.now();
    const queue = new RecordingTaskQueue({ clock: () => now, visibilityTimeoutMs: 1_000 });
    // The ledger shares the test's clock: the first delivery's claim ends with its task timeout, before its lease.
    ledger = new WindowLedger(db, () => now);
    const taskTimeoutMs = 900;
    const thin = harness({ ledger, queue, config: { taskTimeoutMs }, predictor: new InMemoryModelExecution({ minCompleteRows: 1_000 }) });
    const sensorData = Object.assign(Object.create(new InMemorySensorData()) as InMemorySensorData, {
      getData: async () => {
        // This delivery hangs past its lease; meanwhile the redelivery finds too little data and finishes.
        now += 2_000;
        const [redelivery] = await queue.receive({ maxMessages: 1 });
        expect(await thin.executor.processMessage(redelivery!)).to.equal('insufficient_data');
        throw transientError('historian unreachable');
      },
    });
    const slow = harness({
      ledger,
      queue,
      sensorData,
      config: { taskTimeoutMs, retry: { ...executorConfig().retry, maximumAttempts: 1 } },
    });
    expect(await slow.executor.processMessage(await deliver(queue))).to.equal('failed');
    expect(await ledger.get(task().id)).to.include({ state: 'insufficient_data', errorClass: 'insufficient_data', attempts: 2 });
    expect((await ledger.runs(task().id)).map((r) => r.status)).to.deep.equal(['insufficient_data', 'failed']);
  });

  it('records a window dead whose message the queue gave up on after its leases kept expiring', async () => {
    let now = Date.now();
    const queue = new RecordingTaskQueue({ clock: () => now, visibilityTimeoutMs: 1_000, maxAttempts: 1 });
    const h = harness({ ledger, queue });
    await deliver(queue); // its executor begins the window, then crashes holding the lease
    await ledger.begin(task(), 'executor-that-crashed');
    now += 1_000;
    const [exhausted] = await queue.receive({ maxMessages: 1 });
    expect(exhausted).to.include({ exhausted: true });
    expect(await h.executor.processMessage(exhausted!)).to.equal('dead');
    const record = await ledger.get(task().id);
    expect(record).to.include({ state: 'dead', errorClass: 'permanent' });
    expect(record?.errorMessage).to.match(/lease expired without ack or nack/);
    expect((await ledger.runs(task().id)).map((r) => r.status)).to.deep.equal(['dead']);
    expect(queue.deadLettered).to.have.length(1);
    expect(queue.pending).to.equal(0);
  });
});
