import { withRetry, type RetryPolicy } from '../../src/runtime/retry.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import { timeoutSignal } from '../../src/runtime/abort.js';
import { toProviderError } from './errors.js';

/**
 * Runs one HTTP exchange with its own timeout, translated and retried: outages, timeouts, 429 and 5xx
 * are tried again (waiting at least Retry-After) up to the policy's attempts, then surface as a
 * retryable ProviderError. The caller's `signal` cancels at once with an AbortError.
 */
export async function requestWithRetry<T>(
  operation: string,
  policy: RetryPolicy,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  exchange: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  throwIfAborted(signal);
  return withRetry(
    async () => {
      const attempt = timeoutSignal(signal, timeoutMs, `no answer within ${timeoutMs} ms`);
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
    },
    policy,
    signal === undefined ? {} : { signal },
  );
}
