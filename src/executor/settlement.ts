import type { PredictionSummary } from '../domain/predictionSummary.js';
import type { PredictionTask } from '../domain/Task.js';
import type { ErrorClass } from '../runtime/errors.js';
import type { LedgerOutcome } from './ExecutorLedger.js';
import type { TaskOutcome } from './outcomes.js';

/**
 * What one delivery came to, as TaskRunner decides it: nothing is settled yet. `applySettlement` then
 * does what SETTLEMENT_RULES says for its kind. `task` is undefined when no window could be named (a
 * Python message whose model could not be described): then there is nothing to record in the ledger.
 */
export type Settlement =
  | {
      readonly kind: 'succeeded';
      readonly task: PredictionTask;
      readonly rowsWritten: number;
      readonly quality?: Record<string, number>;
      readonly predictions?: PredictionSummary;
    }
  /** The window had already finished (a redelivery). */
  | { readonly kind: 'skipped'; readonly task: PredictionTask; readonly ledgerState: string }
  /** Another delivery held the window (the ledger's fence); it finished the window while this one waited. */
  | { readonly kind: 'duplicate'; readonly task: PredictionTask; readonly ledgerState: string }
  /** Another delivery still holds the window when this one stops waiting (shutdown, or its wait's bound). */
  | { readonly kind: 'duplicate_held'; readonly task: PredictionTask }
  | {
      readonly kind: 'insufficient_data';
      readonly task: PredictionTask;
      readonly errorMessage: string;
      readonly quality?: Record<string, number>;
    }
  | { readonly kind: 'transient'; readonly task?: PredictionTask; readonly errorMessage: string; readonly quality?: Record<string, number> }
  | { readonly kind: 'permanent'; readonly task?: PredictionTask; readonly errorMessage: string; readonly quality?: Record<string, number> }
  /** The queue gave up on the message after its leases kept expiring: never run, recorded dead. */
  | { readonly kind: 'exhausted'; readonly task?: PredictionTask; readonly errorMessage: string }
  /** Shutdown took the task away: handed back without counting the attempt. */
  | { readonly kind: 'released'; readonly task?: PredictionTask }
  /** The body is not a task. */
  | { readonly kind: 'malformed'; readonly reason: string };

export type SettlementKind = Settlement['kind'];
export type QueueAction = 'ack' | 'nack' | 'deadLetter' | 'release';

/** The order of the two steps: which one a crash between them must find done. */
export type SettlementOrder = 'record_then_settle' | 'settle_then_record' | 'settle_only';

export interface SettlementRule {
  /** The state recorded on the window; undefined: the ledger is not written. */
  readonly ledgerState?: LedgerOutcome['state'];
  /** For a nack the queue answered with dead-lettering (the last attempt): the state recorded instead. */
  readonly ledgerStateWhenDeadLettered?: LedgerOutcome['state'];
  /** The error class recorded with the state. */
  readonly errorClass?: ErrorClass;
  readonly queueAction: QueueAction;
  /** Prefix of the reason given to the queue with nack/deadLetter (`<prefix>: <error>`); none for a malformed body. */
  readonly queueReason?: 'transient' | 'permanent';
  readonly order: SettlementOrder;
  readonly outcome: TaskOutcome;
  readonly outcomeWhenDeadLettered?: TaskOutcome;
  /** Ends this delivery's claim on the window before settling, so the redelivery runs at once. */
  readonly endsClaim?: true;
}

/**
 * Per settlement, the ledger state, the queue action and their order (ARCHITECTURE invariants 3 and 6).
 *
 * - Record first, then settle (succeeded, insufficient data, dead): a crash in between leaves a finished
 *   window whose redelivery is acked without work (`skipped`). The other order could leave a settled
 *   message with its window 'running' for good.
 * - A transient failure settles first: only the queue knows whether this was the last attempt (then it
 *   dead-letters and the window records 'dead'), and the window records one state. A refused nack means
 *   another delivery holds the message: the attempt goes into the run history only (`leaseLost`).
 * - Skipped, released and malformed deliveries leave the ledger's state alone; a released delivery ends
 *   its claim on the window (WindowLedger.endClaim) so its redelivery need not wait the claim out.
 * - A duplicate (issue 14: another delivery held the window under a live claim) is acked once that
 *   delivery finished the window, or released while it still holds it; either way it did no work.
 */
export const SETTLEMENT_RULES = {
  succeeded: { ledgerState: 'succeeded', queueAction: 'ack', order: 'record_then_settle', outcome: 'succeeded' },
  skipped: { queueAction: 'ack', order: 'settle_only', outcome: 'skipped' },
  insufficient_data: {
    ledgerState: 'insufficient_data',
    errorClass: 'insufficient_data',
    queueAction: 'ack',
    order: 'record_then_settle',
    outcome: 'insufficient_data',
  },
  transient: {
    ledgerState: 'failed',
    ledgerStateWhenDeadLettered: 'dead',
    errorClass: 'transient',
    queueAction: 'nack',
    queueReason: 'transient',
    order: 'settle_then_record',
    outcome: 'failed',
    outcomeWhenDeadLettered: 'dead',
  },
  permanent: {
    ledgerState: 'dead',
    errorClass: 'permanent',
    queueAction: 'deadLetter',
    queueReason: 'permanent',
    order: 'record_then_settle',
    outcome: 'dead',
  },
  exhausted: {
    ledgerState: 'dead',
    errorClass: 'permanent',
    queueAction: 'deadLetter',
    queueReason: 'permanent',
    order: 'record_then_settle',
    outcome: 'dead',
  },
  released: { queueAction: 'release', order: 'settle_only', outcome: 'released', endsClaim: true },
  duplicate: { queueAction: 'ack', order: 'settle_only', outcome: 'duplicate' },
  duplicate_held: { queueAction: 'release', order: 'settle_only', outcome: 'duplicate' },
  malformed: { queueAction: 'deadLetter', order: 'settle_only', outcome: 'malformed' },
} as const satisfies Record<SettlementKind, SettlementRule>;
