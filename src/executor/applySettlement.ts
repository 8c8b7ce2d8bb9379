import type { ReceivedMessage, TaskQueue } from '../contracts/TaskQueue.js';
import type { ExecutorLedger, LedgerOutcome } from './ExecutorLedger.js';
import type { TaskOutcome } from './outcomes.js';
import { SETTLEMENT_RULES, type Settlement, type SettlementRule } from './settlement.js';

/** Where a settlement is applied: the delivery, the queue it came from and the ledger of its window. */
export interface SettlementTarget {
  readonly queue: TaskQueue;
  readonly ledger: ExecutorLedger;
  readonly message: ReceivedMessage;
  /** Recorded with the run: this executor and when the attempt started. */
  readonly executor: string;
  readonly startedAt: number;
}

/** What applying a settlement came to. */
export interface AppliedSettlement {
  readonly outcome: TaskOutcome;
  /** The queue refused the settle: the lease had expired and another delivery holds the message. */
  readonly leaseLost: boolean;
}

/**
 * Does what SETTLEMENT_RULES states for the settlement's kind: the ledger record and the queue action, in
 * the stated order. Failures of the ledger or queue propagate (the caller leaves the message to its lease).
 */
export async function applySettlement(settlement: Settlement, target: SettlementTarget): Promise<AppliedSettlement> {
  const rule: SettlementRule = SETTLEMENT_RULES[settlement.kind];
  const record = async (state: LedgerOutcome['state'] | undefined, leaseLost: boolean): Promise<void> => {
    const task = 'task' in settlement ? settlement.task : undefined;
    if (state === undefined || task === undefined) return;
    await target.ledger.finish(task, ledgerOutcome(settlement, rule, state), {
      executor: target.executor,
      startedAt: target.startedAt,
      attempt: target.message.attempt,
      ...(leaseLost ? { leaseLost } : {}),
    });
  };
  if (rule.order === 'record_then_settle') {
    await record(rule.ledgerState, false);
    const result = await settle(settlement, rule, target);
    return { outcome: rule.outcome, leaseLost: !result.settled };
  }
  if (rule.endsClaim === true && 'task' in settlement && settlement.task !== undefined) {
    await target.ledger.endClaim(settlement.task, target.executor);
  }
  const result = await settle(settlement, rule, target);
  const deadLettered = result.settled && result.deadLettered === true;
  if (rule.order === 'settle_then_record') {
    await record(deadLettered ? rule.ledgerStateWhenDeadLettered : rule.ledgerState, !result.settled);
  }
  return { outcome: (deadLettered ? rule.outcomeWhenDeadLettered : undefined) ?? rule.outcome, leaseLost: !result.settled };
}

async function settle(
  settlement: Settlement,
  rule: SettlementRule,
  target: SettlementTarget,
): Promise<{ settled: boolean; deadLettered?: boolean }> {
  const { queue, message } = target;
  const reason = queueReason(settlement, rule);
  switch (rule.queueAction) {
    case 'ack':
      return queue.ack(message);
    case 'release':
      return queue.release(message);
    case 'nack':
      return queue.nack(message, { reason });
    case 'deadLetter':
      return queue.deadLetter(message, reason);
  }
}

function queueReason(settlement: Settlement, rule: SettlementRule): string {
  if (settlement.kind === 'malformed') return settlement.reason;
  const error = 'errorMessage' in settlement ? settlement.errorMessage : settlement.kind;
  return rule.queueReason ? `${rule.queueReason}: ${error}` : error;
}

function ledgerOutcome(settlement: Settlement, rule: SettlementRule, state: LedgerOutcome['state']): LedgerOutcome {
  return {
    state,
    ...(rule.errorClass ? { errorClass: rule.errorClass } : {}),
    ...('errorMessage' in settlement ? { errorMessage: settlement.errorMessage } : {}),
    ...('rowsWritten' in settlement ? { rowsWritten: settlement.rowsWritten } : {}),
    ...('quality' in settlement && settlement.quality ? { quality: settlement.quality } : {}),
    ...('predictions' in settlement && settlement.predictions ? { predictions: settlement.predictions } : {}),
  };
}
