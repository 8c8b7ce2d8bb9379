import { expect } from 'chai';
import { WindowLedger } from '../../../src/ledger/WindowLedger.js';
import { openDatabase, type Database } from '../../../src/persistence/dataSource.js';
import { runMigrations } from '../../../src/persistence/migrate.js';
import { failAlways, transientError } from '../../fakes/FlakyProvider.js';
import { InMemorySensorData } from '../../fakes/InMemorySensorData.js';
import { deliver, harness, ROWS_PER_WINDOW, task } from './harness.js';

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
});
