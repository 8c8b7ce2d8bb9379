/**
 * When a model's windows run, when it says so itself (a model without one follows the `scheduler` section's
 * clock). Windows are `[k·interval, (k+1)·interval)` on the UTC epoch grid, so the same window always has
 * the same key (ARCHITECTURE invariant 1) whichever pass or process plans it.
 */
export type ModelTrigger = ScheduleTrigger | DataTrigger;

/** A clock of the model's own: a window runs `delayMs` after it ends. */
export interface ScheduleTrigger {
  readonly type: 'schedule';
  readonly intervalMs: number;
  readonly delayMs: number;
}

/**
 * Windows run when their data is there: with `watermark`, once every input tag has a point in the window's
 * last bucket (`[to - resolution, to)`) or later; with `minNewPoints`, only once that many points arrived
 * since the model's windows were last dispatched (Energy Sensors' "every N events"). A window still
 * waiting `maxWaitMs` after its first tag passed its end runs on what is there (origin `late`).
 */
export interface DataTrigger {
  readonly type: 'data';
  readonly intervalMs: number;
  readonly watermark: boolean;
  readonly minNewPoints?: number;
  readonly maxWaitMs?: number;
  /** Points that arrive later for a window already predicted run it again (a new attempt of the same window). */
  readonly rerunLate: boolean;
  /** Windows that end this long before the newest data are not checked for late points any more. */
  readonly lateHorizonMs: number;
}
