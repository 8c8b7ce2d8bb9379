import { abortError } from './errors.js';

/**
 * Settles with `promise`, or rejects with an AbortError (see `abortError`) as soon as `signal` fires, so a
 * callee that ignores its signal cannot hold its caller past a deadline or a shutdown. The abandoned
 * promise goes on; its eventual rejection is absorbed. The one "abandon a promise when a signal fires".
 */
export function abandonOnAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** A caller's signal joined with a deadline of its own; see `timeoutSignal`. */
export interface TimeoutSignal {
  /** Fires with the parent's reason, or with a TimeoutError (`message`) when the time is up. */
  readonly signal: AbortSignal;
  /** Epoch ms (wall clock) at which it times out. */
  readonly deadlineMs: number;
  /** True when the deadline fired it rather than the parent. */
  timedOut(): boolean;
  /** Stops the timer and detaches from the parent; call once the work is settled. */
  dispose(): void;
}

/**
 * What `AbortSignal.any([parent, AbortSignal.timeout(ms)])` gives, with explicit cleanup: at thousands of
 * calls a minute each would otherwise leave a pending timer (and a listener on the parent) alive until the
 * full timeout elapses.
 */
export function timeoutSignal(parent: AbortSignal | undefined, timeoutMs: number, message: string): TimeoutSignal {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(message, 'TimeoutError'));
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
