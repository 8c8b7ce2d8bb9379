import pRetry from 'p-retry';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from './errors.js';

/** How transient failures are retried within one attempt; `executor.retry` in the configuration. */
export interface RetryPolicy {
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maximumIntervalMs: number;
  readonly maximumAttempts: number;
}

export interface RetryOptions {
  /** Cancels the current wait and any further attempt; its reason is what `withRetry` rejects with. */
  signal?: AbortSignal;
  /** Epoch ms (wall clock, `Date.now()`): no retry is started whose wait would end after it. */
  deadlineMs?: number;
  /** Called before each wait with the error of the failed attempt (1-based) and the wait chosen. */
  onRetry?(err: ProviderError, attempt: number, delayMs: number): void;
  /** Source of jitter in [0, 1); tests pass a constant. */
  random?: () => number;
}

/** Share of the backoff that jitter may add or remove, so executors hit by one outage do not retry in step. */
const JITTER = 0.2;

/**
 * Runs `operation` and retries it while it fails with a retryable ProviderError, with jittered
 * exponential backoff from `policy` (`maximumAttempts` counts the first call). A Retry-After
 * (`retryAfterMs`) lengthens the wait; it never shortens it. Gives up, rejecting with the original
 * error of the last attempt (never a wrapper), when the error is not retryable, attempts run out, or
 * the next wait would pass `deadlineMs`. Cancellation rejects with the signal's reason, untouched.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  const { signal, deadlineMs, onRetry, random = Math.random } = options;
  // p-retry computes its own delay and cannot take a per-error one (Retry-After) or say in advance how
  // long it will wait (needed for the deadline), so it runs with no delay of its own and the wait
  // happens in onFailedAttempt, which may also end the retries by throwing the original error.
  let lastError: unknown;
  try {
    return await pRetry(async (attempt) => {
      try {
        return await operation(attempt);
      } catch (err) {
        lastError = err;
        throw err;
      }
    }, {
      retries: Math.max(0, policy.maximumAttempts - 1),
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      signal,
      onFailedAttempt: async ({ attemptNumber, retriesLeft }) => {
        const err = lastError;
        if (!(err instanceof ProviderError) || !err.retryable || retriesLeft <= 0) throw err;
        const delayMs = retryDelayMs(policy, attemptNumber, err.retryAfterMs, random);
        if (deadlineMs !== undefined && Date.now() + delayMs > deadlineMs) throw err;
        onRetry?.(err, attemptNumber, delayMs);
        await sleep(delayMs, undefined, { signal });
      },
    });
  } catch (err) {
    // A cancelled wait rejects with Node's own AbortError; callers get the reason the signal carries.
    if (signal?.aborted) throw signal.reason;
    throw lastError ?? err;
  }
}

/** The wait after failed attempt `attempt` (1-based): exponential, capped, jittered by ±20%, at least Retry-After. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const exponential = policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1);
  const capped = Math.min(policy.maximumIntervalMs, exponential);
  const jittered = Math.min(policy.maximumIntervalMs, Math.round(capped * (1 - JITTER + 2 * JITTER * random())));
  return Math.max(jittered, retryAfterMs ?? 0);
}
