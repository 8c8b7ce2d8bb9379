import { withRetry, type RetryPolicy } from '../../src/runtime/retry.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import { toProviderError } from './errors.js';

/**
 * Runs one HTTP exchange with its own timeout, translated and retried: outages, timeouts, 429 and 5xx
 * are tried again (waiting at least Retry-After) up to the policy's attempts, then surface as a
 * retryable ProviderError. The caller's `signal` cancels at once with an AbortError.
 */
export async function requestWithRetry<T>(
  operation: string, policy: RetryPolicy, timeoutMs: number, signal: AbortSignal | undefined,
  exchange: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  throwIfAborted(signal);
  return withRetry(async () => {
    const attempt = attemptSignal(timeoutMs, signal);
    try {
      return await exchange(attempt.signal);
    } catch (err) {
      throwIfAborted(signal);
      // Our own timeout aborts the exchange; whatever the library made of it, it is a timeout.
      if (attempt.timedOut()) throw toProviderError(attempt.signal.reason, operation);
      throw toProviderError(err, operation);
    } finally {
      attempt.dispose();
    }
  }, policy, signal === undefined ? {} : { signal });
}

/**
 * The caller's signal plus a timeout, with a timer and a listener that are released after the attempt
 * (AbortSignal.any keeps both sources alive until garbage collection: costly at thousands of requests a second).
 */
function attemptSignal(timeoutMs: number, outer: AbortSignal | undefined) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const forward = () => controller.abort(outer!.reason);
  outer?.addEventListener('abort', forward, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    },
  };
}
