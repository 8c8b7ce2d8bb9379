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
}

/** Identifies the attempt in the run record. */
export interface LedgerRun {
  executor: string;
  startedAt: number;
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
  /** Marks the window running and counts the attempt; `proceed: false` when it already finished. */
  begin(task: PredictionTask, executor: string): Promise<{ proceed: true } | { proceed: false; state: string }>;
  /** Records the attempt's outcome in the run history and on the window; a finished window (succeeded,
   *  insufficient_data, dead) changes only to succeeded. */
  finish(task: PredictionTask, outcome: LedgerOutcome, run: LedgerRun): Promise<void>;
}
