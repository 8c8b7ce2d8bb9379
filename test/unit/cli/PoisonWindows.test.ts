import { expect } from 'chai';
import { PoisonWindows } from '../../../src/cli/PoisonWindows.js';
import { newTask } from '../../../src/domain/Task.js';
import { WindowLedger } from '../../../src/ledger/WindowLedger.js';
import { openLedgerDatabase, type LedgerDatabase } from '../ledger/ledgerDatabase.js';

// Issue 14: a window that crashes its executor is redelivered and crashes it again; the crash never reaches
// the queue's attempt count. `latigo start` charges each executor death to the windows it held.

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

describe('PoisonWindows (latigo start)', () => {
  let store: LedgerDatabase;
  let ledger: WindowLedger;
  let now = T0;
  beforeEach(async () => {
    store = await openLedgerDatabase();
    ledger = new WindowLedger(store.db, () => now);
  });
  afterEach(() => store.cleanup());

  it('records the window dead after it crashed its executor 3 times, naming it, and charges an innocent one only while held', async () => {
    const poison = newTask('plant', 'big-model', 'r1', { fromMs: T0, toMs: T0 + HOUR });
    const innocent = newTask('plant', 'small-model', 'r1', { fromMs: T0, toMs: T0 + HOUR });
    await ledger.recordNew([poison, innocent], 'schedule');
    const watch = new PoisonWindows(ledger, 3, () => now);

    // Crash 1: both held. Crash 2 and 3: only the poison one (the innocent one finished meanwhile).
    await ledger.begin(poison, 'executor-1', { leaseMs: 1_000 });
    await ledger.begin(innocent, 'executor-1', { leaseMs: 1_000 });
    const first = await watch.onDeath('executor-1');
    expect(first.heldWindows).to.have.length(2);
    expect(first).to.not.have.property('deadLettered');
    await ledger.finish(innocent, { state: 'succeeded', rowsWritten: 1 }, { executor: 'executor-1', startedAt: now });
    for (const crash of [2, 3]) {
      now += 2_000; // the claim of the dead run expired; the redelivery begins the window again
      expect((await ledger.begin(poison, 'executor-1', { leaseMs: 1_000 })).proceed).to.equal(true);
      const fields = await watch.onDeath('executor-1');
      expect(fields.heldWindows).to.deep.equal([`plant/big-model [2026-01-01T00:00:00.000Z, 2026-01-01T01:00:00.000Z) attempt ${crash}`]);
      if (crash < 3) expect(fields).to.not.have.property('deadLettered');
      else expect(fields.deadLettered).to.deep.equal(fields.heldWindows);
    }
    const record = await ledger.get(poison.id);
    expect(record?.state).to.equal('dead');
    expect(record?.errorMessage).to.match(/poison window: its executor died 3 times while running it \(last executor-1\)/);
    expect((await ledger.get(innocent.id))?.state).to.equal('succeeded');
    // Its next delivery is acked without work: the ledger refuses to begin a dead window.
    now += 2_000;
    expect(await ledger.begin(poison, 'executor-2')).to.deep.equal({ proceed: false, state: 'dead' });
  });

  it('says nothing for an executor that held no window', async () => {
    expect(await new PoisonWindows(ledger, 3, () => now).onDeath('executor-9')).to.deep.equal({});
  });
});
