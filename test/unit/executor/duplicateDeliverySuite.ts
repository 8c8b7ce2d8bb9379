import { expect } from 'chai';
import type { ReceivedMessage } from '../../../src/contracts/TaskQueue.js';
import type { PredictionTask } from '../../../src/domain/Task.js';
import { encodeTask } from '../../../src/domain/taskCodec.js';
import type { ExecutorLedger, LedgerBegin } from '../../../src/executor/ExecutorLedger.js';
import { WindowLedger } from '../../../src/ledger/WindowLedger.js';
import type { Database } from '../../../src/persistence/dataSource.js';
import { Gate } from '../../fakes/Gate.js';
import { InMemoryModelExecution } from '../../fakes/InMemoryModelExecution.js';
import { RecordingTaskQueue } from '../../fakes/RecordingTaskQueue.js';
import { harness, nthTask, task, until } from './harness.js';

/** A migrated database of some dialect, emptied for each test, and how to let it go. */
export interface FencingDatabase {
  readonly db: Database;
  cleanup(): Promise<void>;
}

/** The ledger as the executor sees it, noting every refused begin (the fence at work). */
class ObservedLedger implements ExecutorLedger {
  refusedRunning = 0;
  constructor(private readonly inner: WindowLedger) {}
  async begin(t: PredictionTask, executor: string, options?: { leaseMs?: number }): Promise<LedgerBegin> {
    const result = await this.inner.begin(t, executor, options);
    if (!result.proceed && result.state === 'running') this.refusedRunning++;
    return result;
  }
  endClaim: ExecutorLedger['endClaim'] = (t, executor) => this.inner.endClaim(t, executor);
  finish: ExecutorLedger['finish'] = (t, outcome, run) => this.inner.finish(t, outcome, run);
}

function gatedPredictor(gate: Gate): InMemoryModelExecution {
  const inner = new InMemoryModelExecution();
  return Object.assign(Object.create(inner) as InMemoryModelExecution, {
    execute: (...args: Parameters<InMemoryModelExecution['execute']>) => gate.pass(() => inner.execute(...args)),
  });
}

/** Two deliveries of one window (as Event Hubs hands out after a partition take-over, or a queue after a lease expired mid-run). */
async function deliverTwice(queue: RecordingTaskQueue, t: PredictionTask = task()): Promise<[ReceivedMessage, ReceivedMessage]> {
  await queue.send([
    { id: `${t.id}-first`, body: encodeTask(t) },
    { id: `${t.id}-second`, body: encodeTask(t) },
  ]);
  const messages = await queue.receive({ maxMessages: 2 });
  if (messages.length !== 2) throw new Error('the queue did not deliver both copies');
  return [messages[0]!, messages[1]!];
}

/**
 * Two executors given the same window at the same time, against the real window ledger on one dialect:
 * the ledger's fence lets exactly one of them run it. Run on SQLite by duplicateDelivery.test.ts and on
 * PostgreSQL by test/integration/duplicateDelivery.postgres.test.ts.
 */
export function describeDuplicateDeliveries(dialect: string, open: () => Promise<FencingDatabase>): void {
  describe(`duplicate deliveries of one window, fenced by the ledger on ${dialect}`, () => {
    let store: FencingDatabase;
    let ledger: WindowLedger;
    beforeEach(async () => {
      store = await open();
      ledger = new WindowLedger(store.db, Date.now);
    });
    afterEach(async () => {
      await store.cleanup();
    });

    it('the second delivery waits while the first runs, then is acked as a duplicate: exactly one successful run', async () => {
      const queue = new RecordingTaskQueue();
      const gate = new Gate();
      const observed = new ObservedLedger(ledger);
      const first = harness({ queue, ledger, processName: 'executor-1', predictor: gatedPredictor(gate) });
      const second = harness({ queue, ledger: observed, processName: 'executor-2' });
      const [m1, m2] = await deliverTwice(queue);

      const running = first.executor.processMessage(m1);
      await gate.untilEntered(1); // executor-1 holds the window, mid-prediction
      const duplicate = second.executor.processMessage(m2);
      await until(() => observed.refusedRunning > 0, 10_000, 'the ledger to refuse the second delivery');
      gate.open();

      expect(await running).to.equal('succeeded');
      expect(await duplicate).to.equal('duplicate');
      const runs = await ledger.runs(task().id);
      expect(runs.map((r) => [r.executor, r.status])).to.deep.equal([['executor-1', 'succeeded']]);
      expect(await ledger.get(task().id)).to.include({ state: 'succeeded', attempts: 1 });
      expect(second.storage.storeCalls).to.equal(0);
      expect(queue.acked.map((m) => m.id).sort()).to.deep.equal([m1.id, m2.id].sort());
    });

    it('of two executors racing for each of 10 windows, exactly one runs each window', async () => {
      const queue = new RecordingTaskQueue();
      const first = harness({ queue, ledger, processName: 'executor-1' });
      const second = harness({ queue, ledger, processName: 'executor-2' });
      for (let n = 0; n < 10; n++) {
        const [m1, m2] = await deliverTwice(queue, nthTask(n));
        const outcomes = await Promise.all([first.executor.processMessage(m1), second.executor.processMessage(m2)]);
        expect(
          outcomes.filter((o) => o === 'succeeded'),
          `window ${n}: ${outcomes.join(', ')}`,
        ).to.have.length(1);
        expect(outcomes.filter((o) => o === 'duplicate' || o === 'skipped')).to.have.length(1);
        expect((await ledger.runs(nthTask(n).id)).filter((r) => r.status === 'succeeded')).to.have.length(1);
      }
      expect(first.storage.storeCalls + second.storage.storeCalls).to.equal(10);
    });

    it('runs the window once the claim of a runner that died expires', async () => {
      const queue = new RecordingTaskQueue();
      await ledger.begin(task(), 'executor-that-died', { leaseMs: 300 });
      const observed = new ObservedLedger(ledger);
      const h = harness({ queue, ledger: observed, processName: 'executor-2' });
      const [message] = await deliverTwice(queue);
      expect(await h.executor.processMessage(message)).to.equal('succeeded');
      expect(observed.refusedRunning).to.be.greaterThan(0);
      expect(await ledger.get(task().id)).to.include({ state: 'succeeded', attempts: 2, runner: 'executor-2' });
    });

    it('releases a duplicate still waiting when shutdown begins, leaving the window to the delivery running it', async () => {
      const queue = new RecordingTaskQueue();
      await ledger.begin(task(), 'executor-1', { leaseMs: 60_000 });
      const observed = new ObservedLedger(ledger);
      const h = harness({ queue, ledger: observed, processName: 'executor-2' });
      const [message] = await deliverTwice(queue);
      const shutdown = new AbortController();
      const outcome = h.executor.processMessage(message, shutdown.signal);
      await until(() => observed.refusedRunning > 0, 10_000, 'the ledger to refuse the delivery');
      shutdown.abort(new DOMException('shutdown', 'AbortError'));
      expect(await outcome).to.equal('duplicate');
      expect(queue.released.map((r) => [r.message.id, r.result.settled])).to.deep.equal([[message.id, true]]);
      expect(queue.acked).to.be.empty;
      expect(await ledger.get(task().id)).to.include({ state: 'running', runner: 'executor-1', attempts: 1 });
      expect(await ledger.runs(task().id)).to.be.empty;
    });

    it('a delivery released at shutdown ends its claim, so its redelivery runs at once', async () => {
      const queue = new RecordingTaskQueue();
      const gate = new Gate();
      const stopping = harness({
        queue,
        ledger,
        processName: 'executor-1',
        predictor: Object.assign(Object.create(new InMemoryModelExecution()) as InMemoryModelExecution, {
          execute: (...args: Parameters<InMemoryModelExecution['execute']>) =>
            gate.pass(async () => [] as never, { signal: args[3]?.signal, honourSignal: true }),
        }),
      });
      const shutdown = new AbortController();
      const [m1, m2] = await deliverTwice(queue);
      const outcome = stopping.executor.processMessage(m1, shutdown.signal);
      await gate.untilEntered(1);
      shutdown.abort(new DOMException('shutdown', 'AbortError'));
      expect(await outcome).to.equal('released');
      const observed = new ObservedLedger(ledger);
      const next = harness({ queue, ledger: observed, processName: 'executor-2', config: { taskTimeoutMs: 60_000 } });
      expect(await next.executor.processMessage(m2)).to.equal('succeeded');
      expect(observed.refusedRunning).to.equal(0);
    });
  });
}
