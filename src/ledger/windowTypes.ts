import type { PredictionSummary } from '../domain/predictionSummary.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { ErrorClass } from '../runtime/errors.js';

/** `queued -> running -> succeeded | insufficient_data | failed -> dead` (ARCHITECTURE invariant 2). */
export type WindowState = 'queued' | 'running' | 'succeeded' | 'insufficient_data' | 'failed' | 'dead';
export const windowStates: readonly WindowState[] = ['queued', 'running', 'succeeded', 'insufficient_data', 'failed', 'dead'];

/** States after which a window is never worked on again (a redelivery is acked without work). */
export const finishedStates: readonly WindowState[] = ['succeeded', 'insufficient_data', 'dead'];

/** Why the window exists: the newest tick of a pass, an older tick caught up after downtime, `latigo backfill`,
 *  an on-demand run of the service API, a model's data trigger (`data`), or its max_wait passing first (`late`). */
export type WindowOrigin = 'schedule' | 'catch_up' | 'backfill' | 'on_demand' | 'data' | 'late';

/** One row of the ledger. Times are epoch milliseconds. */
export interface WindowRecord {
  taskId: string;
  project: string;
  model: string;
  revision: string;
  window: TimeRange;
  state: WindowState;
  origin: WindowOrigin;
  /** Attempts begun by executors (each `begin` counts one). */
  attempts: number;
  createdAt: number;
  /** When the queue accepted the window; absent while it is recorded but not yet sent. */
  enqueuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  errorClass?: string;
  errorMessage?: string;
  rowsWritten?: number;
  /** Counts of what was dropped or repaired while predicting the window (invariant 7). */
  quality?: Record<string, number>;
  /** The executor that began the latest attempt, and until when its claim fences the window against duplicates. */
  runner?: string;
  leaseExpiresAt?: number;
}

/**
 * What `begin` decided. Refused with `state: 'running'` (and the claim's runner and expiry) when another
 * delivery holds a live claim on the window; refused with a finished state when there is nothing to do.
 */
export type BeginResult = { proceed: true } | { proceed: false; state: WindowState; runner?: string; leaseExpiresAt?: number };

/** How one attempt ended. */
export interface WindowOutcome {
  state: 'succeeded' | 'insufficient_data' | 'failed' | 'dead';
  errorClass?: ErrorClass;
  errorMessage?: string;
  rowsWritten?: number;
  quality?: Record<string, number>;
  /** succeeded: what was stored, appended to the outbox as prediction and anomaly events. */
  predictions?: PredictionSummary;
}

/** One attempt in the run history (`task_run`). */
export interface TaskRunRecord {
  taskId: string;
  attempt: number;
  executor: string;
  startedAt: number;
  finishedAt: number;
  status: WindowOutcome['state'];
  errorClass?: string;
  errorMessage?: string;
  rowsWritten?: number;
}

/** A recorded window as the scheduler compares it with the windows it plans. */
export interface RecordedWindow {
  model: string;
  revision: string;
  fromMs: number;
  toMs: number;
}

export interface LedgerCounts {
  byState: Record<WindowState, number>;
  /** Failed and dead windows by `error_class`. */
  byErrorClass: Record<string, number>;
}

/** Which ledger rows a list shows; every filter is optional except the model's. */
export interface WindowFilter {
  project: string;
  model: string;
  revision?: string;
  states?: readonly WindowState[];
  /** Windows with from_ms >= fromMs. */
  fromMs?: number;
  /** Windows with to_ms <= toMs. */
  toMs?: number;
}

/** Where the previous page ended: rows are ordered by (from_ms, task_id). */
export interface WindowPosition {
  fromMs: number;
  taskId: string;
}

/** The newest finished window of one model, for freshness. */
export interface ModelFreshness {
  project: string;
  model: string;
  /** to_ms of the newest window that succeeded or had insufficient data. */
  lastFinishedToMs: number;
  lastState: WindowState;
}
