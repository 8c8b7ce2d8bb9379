/** The cancellation of one task: its caller's signal (shutdown) or its own deadline, whichever fires first. */
export interface TaskSignal {
  readonly signal: AbortSignal;
  /** Epoch ms (wall clock) at which the task times out. */
  readonly deadlineMs: number;
  /** True when the task was cancelled by its deadline rather than by its caller. */
  timedOut(): boolean;
  /** Stops the timer and detaches from the caller's signal; call once the task is settled. */
  dispose(): void;
}

/**
 * What `AbortSignal.any([parent, AbortSignal.timeout(ms)])` gives, with explicit cleanup: thousands of
 * tasks a minute would otherwise each leave a pending timeout signal (and a listener on the parent)
 * alive until the full timeout elapses.
 */
export function createTaskSignal(parent: AbortSignal | undefined, timeoutMs: number): TaskSignal {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`task timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  timer.unref();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    deadlineMs: Date.now() + timeoutMs,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it fires, so a provider that
 * ignores its signal cannot hold a task past its deadline or the shutdown grace. The abandoned
 * promise's eventual rejection is absorbed.
 */
export function abandonOnAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (err) => { signal.removeEventListener('abort', onAbort); reject(err); },
    );
  });
}
