/** The tasks an executor is running, each with its own controller so shutdown can cancel the stragglers. */
export class InFlightTasks {
  private readonly tasks = new Map<Promise<void>, AbortController>();
  private wake: (() => void) | undefined;

  get size(): number {
    return this.tasks.size;
  }

  /** Starts `work` (which must not reject) with a signal that `abortAll` fires. */
  start(work: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    const done: Promise<void> = work(controller.signal).finally(() => {
      this.tasks.delete(done);
      this.wake?.();
    });
    this.tasks.set(done, controller);
  }

  /** Resolves when a task finishes or `signal` fires, whichever is first. One waiter at a time. */
  waitForSlot(signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.tasks.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves when every task running now has finished, or after `timeoutMs`; true when all finished. */
  async settledWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([Promise.all(this.tasks.keys()).then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Cancels every running task with `reason` and resolves once they have all finished. */
  async abortAll(reason: unknown): Promise<void> {
    for (const controller of this.tasks.values()) controller.abort(reason);
    await Promise.all(this.tasks.keys());
  }
}
