import type { TimeRange } from '../domain/TimeRange.js';
import type { ErrorClass } from '../runtime/errors.js';

/** `queued -> running -> succeeded | insufficient_data | failed -> dead` (ARCHITECTURE invariant 2). */
export type WindowState = 'queued' | 'running' | 'succeeded' | 'insufficient_data' | 'failed' | 'dead';
export const windowStates: readonly WindowState[] = ['queued', 'running', 'succeeded', 'insufficient_data', 'failed', 'dead'];

/** States after which a window is never worked on again (a redelivery is acked without work). */
export const finishedStates: readonly WindowState[] = ['succeeded', 'insufficient_data', 'dead'];

/** Why the window exists: the newest tick of a pass, an older tick caught up after downtime, or `latigo backfill`. */
export type WindowOrigin = 'schedule' | 'catch_up' | 'backfill';

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
}

/** How one attempt ended. */
export interface WindowOutcome {
  state: 'succeeded' | 'insufficient_data' | 'failed' | 'dead';
  errorClass?: ErrorClass;
  errorMessage?: string;
  rowsWritten?: number;
  quality?: Record<string, number>;
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
