/**
 * What became of one received message:
 * - `succeeded`: predictions stored, window recorded, message acked;
 * - `skipped`: the window had already finished (a redelivery), acked without work;
 * - `insufficient_data`: recorded on the window and acked, not retried;
 * - `failed`: a transient failure, recorded and nacked for a later attempt;
 * - `dead`: a permanent failure (or transient attempts ran out, or leases kept expiring), recorded and dead-lettered;
 * - `malformed`: the body is not a task, dead-lettered with the reason;
 * - `released`: abandoned at shutdown and released (not counted as an attempt) for immediate redelivery to another executor;
 * - `duplicate`: another delivery of the same window held it (the ledger's fence): waited for, then acked
 *   without work once that delivery finished the window, or released if it still held it.
 */
export type TaskOutcome = 'succeeded' | 'skipped' | 'insufficient_data' | 'failed' | 'dead' | 'malformed' | 'released' | 'duplicate';

/** Counts of one `Executor.run`, returned when it stops. */
export interface ExecutorSummary {
  /** Messages handled, whatever their outcome. */
  processed: number;
  succeeded: number;
  skipped: number;
  insufficientData: number;
  failed: number;
  /** Tasks dead-lettered after a permanent failure or their last transient one (malformed messages not included). */
  deadLettered: number;
  malformed: number;
  released: number;
  /** Deliveries refused by the ledger's fence because another delivery held the window. */
  duplicates: number;
}

export function emptySummary(): ExecutorSummary {
  return {
    processed: 0,
    succeeded: 0,
    skipped: 0,
    insufficientData: 0,
    failed: 0,
    deadLettered: 0,
    malformed: 0,
    released: 0,
    duplicates: 0,
  };
}

const summaryKeys: Record<TaskOutcome, keyof ExecutorSummary> = {
  succeeded: 'succeeded',
  skipped: 'skipped',
  insufficient_data: 'insufficientData',
  failed: 'failed',
  dead: 'deadLettered',
  malformed: 'malformed',
  released: 'released',
  duplicate: 'duplicates',
};

export function countOutcome(summary: ExecutorSummary, outcome: TaskOutcome): void {
  summary.processed++;
  summary[summaryKeys[outcome]]++;
}
