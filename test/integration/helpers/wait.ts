import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waiting for conditions in tests that must hold on a busy machine (issue 14). A fixed wall-clock budget
 * tuned to an idle machine fails a healthy run at load average 10; so a wait that can measure progress
 * fails only when progress STOPS for `stallMs`, never because the work is slow, and says how far it got.
 */

export interface WaitOptions {
  /** Longest wait in all; with `progress`, a cap for runaway cases only (default: none beyond mocha's). */
  timeoutMs?: number;
  intervalMs?: number;
  /** What is awaited and the state seen last, for the failure message. */
  describe: () => string;
  /**
   * Work done so far (any count that only grows while the work advances) and the total expected: the
   * wait fails when the count has not grown for `stallMs`.
   */
  progress?: { done: () => number | Promise<number>; total: number; stallMs: number };
}

/** Polls `condition` until it holds; fails with `describe()` and the progress seen when it stalls or times out. */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitOptions): Promise<void> {
  const started = Date.now();
  const { progress } = options;
  let done = progress ? await progress.done() : 0;
  let lastAdvance = Date.now();
  while (!(await condition())) {
    const now = Date.now();
    if (progress) {
      const current = await progress.done();
      if (current > done) {
        done = current;
        lastAdvance = now;
      } else if (now - lastAdvance > progress.stallMs) {
        throw new Error(
          `stalled: ${format(done)} of ${format(progress.total)} done and no progress for ${Math.round((now - lastAdvance) / 1000)} s ` +
            `(after ${Math.round((now - started) / 1000)} s) waiting for ${options.describe()}`,
        );
      }
    }
    if (options.timeoutMs !== undefined && now - started > options.timeoutMs) {
      const where = progress ? ` (${format(done)} of ${format(progress.total)} done, still advancing)` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms${where} waiting for ${options.describe()}`);
    }
    await sleep(options.intervalMs ?? 50);
  }
}

function format(n: number): string {
  return n.toLocaleString('en-US');
}
