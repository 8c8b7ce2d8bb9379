import { expect } from 'chai';
import type { NackOptions, NackResult, ReceivedMessage, SendResult, SettleResult, TaskQueue } from '../../../src/contracts/TaskQueue.js';
import { applySettlement } from '../../../src/executor/applySettlement.js';
import type { ExecutorLedger, LedgerOutcome, LedgerRun } from '../../../src/executor/ExecutorLedger.js';
import { SETTLEMENT_RULES, type Settlement, type SettlementKind } from '../../../src/executor/settlement.js';
import { task } from './harness.js';

/** A queue and ledger that write every call, in order, to one journal; the queue answers as told. */
function journaled(answers: { settled?: boolean; deadLettered?: boolean } = {}) {
  const journal: string[] = [];
  const runs: { outcome: LedgerOutcome; run: LedgerRun }[] = [];
  const reasons: string[] = [];
  const answer = (): SettleResult => (answers.settled === false ? { settled: false, reason: 'lease_lost' } : { settled: true });
  const queue: TaskQueue = {
    send: async (): Promise<SendResult> => expect.fail('send is no settlement'),
    receive: async () => expect.fail('receive is no settlement'),
    ack: async () => {
      journal.push('queue.ack');
      return answer();
    },
    nack: async (_m: ReceivedMessage, options: NackOptions): Promise<NackResult> => {
      journal.push('queue.nack');
      reasons.push(options.reason);
      const result = answer();
      return result.settled && answers.deadLettered ? { settled: true, deadLettered: true } : result;
    },
    deadLetter: async (_m: ReceivedMessage, reason: string) => {
      journal.push('queue.deadLetter');
      reasons.push(reason);
      return answer();
    },
    release: async () => {
      journal.push('queue.release');
      return answer();
    },
  };
  const ledger: ExecutorLedger = {
    begin: async () => expect.fail('begin is no settlement'),
    endClaim: async () => {
      journal.push('ledger.endClaim');
    },
    finish: async (_t, outcome, run) => {
      journal.push(`ledger.${outcome.state}`);
      runs.push({ outcome, run });
    },
  };
  const message: ReceivedMessage = { id: task().id, body: '{}', attempt: 2, leaseToken: 'lease-1' };
  const target = { queue, ledger, message, executor: 'executor-1', startedAt: 1_000 };
  return { journal, runs, reasons, target };
}

const examples: Record<SettlementKind, Settlement> = {
  succeeded: { kind: 'succeeded', task: task(), rowsWritten: 180, quality: { droppedPoints: 2 } },
  skipped: { kind: 'skipped', task: task(), ledgerState: 'succeeded' },
  insufficient_data: { kind: 'insufficient_data', task: task(), errorMessage: 'no rows' },
  transient: { kind: 'transient', task: task(), errorMessage: 'influx timed out' },
  permanent: { kind: 'permanent', task: task(), errorMessage: 'no such model' },
  exhausted: { kind: 'exhausted', task: task(), errorMessage: 'leases kept expiring' },
  released: { kind: 'released', task: task() },
  duplicate: { kind: 'duplicate', task: task(), ledgerState: 'succeeded' },
  duplicate_held: { kind: 'duplicate_held', task: task() },
  malformed: { kind: 'malformed', reason: 'malformed: body is not JSON' },
};

describe('settlement table: per outcome, the ledger state, the queue action and their order', () => {
  it('states one rule per settlement kind, the order matching whether the ledger is written', () => {
    expect(Object.keys(SETTLEMENT_RULES).sort()).to.deep.equal(Object.keys(examples).sort());
    for (const [kind, rule] of Object.entries(SETTLEMENT_RULES)) {
      const writesLedger = 'ledgerState' in rule;
      expect(rule.order === 'settle_only', kind).to.equal(!writesLedger);
    }
  });

  const expected: Record<SettlementKind, { journal: string[]; outcome: string }> = {
    succeeded: { journal: ['ledger.succeeded', 'queue.ack'], outcome: 'succeeded' },
    skipped: { journal: ['queue.ack'], outcome: 'skipped' },
    insufficient_data: { journal: ['ledger.insufficient_data', 'queue.ack'], outcome: 'insufficient_data' },
    transient: { journal: ['queue.nack', 'ledger.failed'], outcome: 'failed' },
    permanent: { journal: ['ledger.dead', 'queue.deadLetter'], outcome: 'dead' },
    exhausted: { journal: ['ledger.dead', 'queue.deadLetter'], outcome: 'dead' },
    // Issue 14: a released delivery ends its claim on the window first, so the redelivery need not wait it out.
    released: { journal: ['ledger.endClaim', 'queue.release'], outcome: 'released' },
    duplicate: { journal: ['queue.ack'], outcome: 'duplicate' },
    duplicate_held: { journal: ['queue.release'], outcome: 'duplicate' },
    malformed: { journal: ['queue.deadLetter'], outcome: 'malformed' },
  };
  for (const [kind, want] of Object.entries(expected) as [SettlementKind, { journal: string[]; outcome: string }][]) {
    it(`applies ${kind}: ${want.journal.join(' then ')}, outcome ${want.outcome}`, async () => {
      const j = journaled();
      const applied = await applySettlement(examples[kind], j.target);
      expect(j.journal).to.deep.equal(want.journal);
      expect(applied).to.deep.equal({ outcome: want.outcome, leaseLost: false });
      for (const { run } of j.runs) expect(run).to.deep.equal({ executor: 'executor-1', startedAt: 1_000, attempt: 2 });
    });
  }

  it('records the error class and message, rows and quality with the state', async () => {
    const j = journaled();
    await applySettlement(examples.succeeded, j.target);
    await applySettlement(examples.insufficient_data, j.target);
    await applySettlement(examples.permanent, j.target);
    expect(j.runs.map((r) => r.outcome)).to.deep.equal([
      { state: 'succeeded', rowsWritten: 180, quality: { droppedPoints: 2 } },
      { state: 'insufficient_data', errorClass: 'insufficient_data', errorMessage: 'no rows' },
      { state: 'dead', errorClass: 'permanent', errorMessage: 'no such model' },
    ]);
    expect(j.reasons).to.deep.equal(['permanent: no such model']);
  });

  it('records a transient failure the queue dead-lettered (its last attempt) as dead', async () => {
    const j = journaled({ deadLettered: true });
    expect(await applySettlement(examples.transient, j.target)).to.deep.equal({ outcome: 'dead', leaseLost: false });
    expect(j.journal).to.deep.equal(['queue.nack', 'ledger.dead']);
    expect(j.reasons).to.deep.equal(['transient: influx timed out']);
  });

  it('records a refused nack in the run history only (leaseLost), and reports the lost lease', async () => {
    const j = journaled({ settled: false });
    expect(await applySettlement(examples.transient, j.target)).to.deep.equal({ outcome: 'failed', leaseLost: true });
    expect(j.runs[0]!.run.leaseLost).to.equal(true);
  });

  it('records a permanent failure even when the dead-letter then finds the lease lost', async () => {
    const j = journaled({ settled: false });
    expect(await applySettlement(examples.permanent, j.target)).to.deep.equal({ outcome: 'dead', leaseLost: true });
    expect(j.journal).to.deep.equal(['ledger.dead', 'queue.deadLetter']);
    expect(j.runs[0]!.run.leaseLost).to.equal(undefined);
  });

  it('settles a delivery that names no window (an unpinned Python message) without writing the ledger', async () => {
    const j = journaled();
    expect(await applySettlement({ kind: 'permanent', errorMessage: 'no model plant/gone' }, j.target)).to.deep.equal({
      outcome: 'dead',
      leaseLost: false,
    });
    expect(j.journal).to.deep.equal(['queue.deadLetter']);
  });

  it('leaves the message unsettled when the ledger fails before a record-first settle', async () => {
    const j = journaled();
    const failing = {
      ...j.target,
      ledger: {
        ...j.target.ledger,
        finish: async () => {
          throw new Error('SQLITE_BUSY');
        },
      },
    };
    const err = await applySettlement(examples.succeeded, failing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(err)).to.match(/SQLITE_BUSY/);
    expect(j.journal).to.deep.equal([]);
  });
});
