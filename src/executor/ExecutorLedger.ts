import type { PredictionSummary } from '../domain/predictionSummary.js';
import type { PredictionTask } from '../domain/Task.js';
import type { ErrorClass } from '../runtime/errors.js';

/** How one attempt ended, as the executor records it on the window. */
export interface LedgerOutcome {
  state: 'succeeded' | 'insufficient_data' | 'failed' | 'dead';
  errorClass?: ErrorClass;
  errorMessage?: string;
  rowsWritten?: number;
  /** Counts of what was dropped or repaired on the way (invariant 7): data quality and non-finite predictions. */
  quality?: Record<string, number>;
  /** succeeded: what was stored; the ledger appends it to the event outbox with the outcome. */
  predictions?: PredictionSummary;
}

export type LedgerBegin = { proceed: true } | { proceed: false; state: string; leaseExpiresAt?: number };

/** Identifies the attempt in the run record. */
export interface LedgerRun {
  executor: string;
  startedAt: number;
  /** The delivery's attempt (1 on first delivery), recorded when the window has no attempt count of its own. */
  attempt?: number;
  /**
   * The queue refused to settle this delivery (its lease expired and another delivery took the message):
   * the attempt joins the run history, but the window's state is left to the delivery that holds it.
   */
  leaseLost?: boolean;
}

/**
 * The two window-ledger calls the executor makes (WindowLedger implements them). Kept narrow so unit
 * tests stand in a fake and the executor cannot grow a dependency on the rest of the ledger.
 */
export interface ExecutorLedger {
  /**
   * Claims the window for `executor` for `leaseMs`, marks it running and counts the attempt; `proceed: false`
   * when it already finished, or (`state: 'running'`, with the claim's expiry) while another delivery holds
   * a live claim on it: this delivery is a duplicate.
   */
  begin(task: PredictionTask, executor: string, options?: { leaseMs?: number }): Promise<LedgerBegin>;
  /** Ends the claim `begin` took without recording an outcome (the delivery was released at shutdown). */
  endClaim(task: PredictionTask, executor: string): Promise<void>;
  /** Records the attempt's outcome in the run history and on the window; a finished window (succeeded,
   *  insufficient_data, dead) changes only to succeeded. */
  finish(task: PredictionTask, outcome: LedgerOutcome, run: LedgerRun): Promise<void>;
}
