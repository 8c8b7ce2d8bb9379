import type { SchedulePassSummary } from './Scheduler.js';

/**
 * What the scheduler reports after each pass, for metrics. Called synchronously: an implementation only
 * counts, and must not throw, block or do I/O.
 */
export interface SchedulerObserver {
  passFinished(summary: SchedulePassSummary): void;
  /** A pass failed as a whole (it is logged, and the next pass retries). */
  passFailed(): void;
}
