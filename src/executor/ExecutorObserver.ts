import type { TaskOutcome } from './outcomes.js';

/** One message handled by the executor, whatever became of it. */
export interface TaskFinished {
  readonly outcome: TaskOutcome;
  /** The error class recorded on the window (`transient`, `permanent`, `insufficient_data`), `infrastructure`
   *  when the ledger or queue itself failed, undefined when nothing failed. */
  readonly errorClass?: string;
  readonly durationMs: number;
  /** Undefined for a malformed message (no task could be read from it). */
  readonly task?: { readonly project: string; readonly model: string; readonly windowEndMs: number };
}

/** One call to a provider (one attempt: a retried call reports each attempt). */
export interface ProviderCallFinished {
  /** The provider's configuration section: `model_info`, `sensor_data`, `predictor`, `prediction_storage`, `task_queue`. */
  readonly provider: string;
  /** The contract method, e.g. `getData`. */
  readonly operation: string;
  readonly durationMs: number;
  /** How the call failed (see classifyError); undefined when it succeeded. */
  readonly errorClass?: string;
}

/**
 * What the executor reports as it works, for metrics. Called synchronously on the task's path, so an
 * implementation only counts: it must not throw, block or do I/O.
 */
export interface ExecutorObserver {
  /** A received message began its work (paired with one `taskFinished`); optional. */
  taskStarted?(): void;
  taskFinished(event: TaskFinished): void;
  providerCall(event: ProviderCallFinished): void;
}
