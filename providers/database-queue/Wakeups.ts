import { abortError } from '../../src/runtime/errors.js';

/**
 * The wake-ups of the receivers waiting on one DatabaseTaskQueue, shared by its two sources of them
 * (PostgresQueueListener's notifications, SqliteQueueWatcher's file changes).
 *
 * `count` counts wake-ups. A receiver reads it before it looks for messages and then waits for a wake-up
 * after that count, so a wake-up that arrives while it is still looking is not missed.
 */
export class Wakeups {
  private wakeups = 0;
  private readonly waiters = new Set<() => void>();

  /** Wake-ups so far. */
  get count(): number {
    return this.wakeups;
  }

  /**
   * Resolves at once if a wake-up came after `since` (a value of `count`), else at the next wake-up or
   * after `timeoutMs`, whichever is first; rejects with an AbortError when `signal` fires.
   */
  wait(since: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.wakeups !== since) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(onWake);
        signal?.removeEventListener('abort', onAbort);
      };
      const onWake = () => {
        finish();
        resolve();
      };
      const onAbort = () => {
        finish();
        reject(abortError(signal!));
      };
      const timer = setTimeout(onWake, timeoutMs);
      this.waiters.add(onWake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Counts a wake-up and lets every waiting receiver look. */
  wake(): void {
    this.wakeups++;
    this.releaseWaiters();
  }

  /** Lets every waiting receiver go without counting a wake-up (e.g. when the source closes). */
  releaseWaiters(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
