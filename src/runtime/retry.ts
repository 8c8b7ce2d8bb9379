import pRetry from 'p-retry';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProviderError, type ProviderError } from './errors.js';

/**
 * The one retry policy (Temporal's shape): `retry: { maximum_attempts, initial_interval, backoff_coefficient,
 * maximum_interval }` in every section that retries (README "Retries").
 */
export interface RetryPolicy {
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maximumIntervalMs: number;
  /** Counts the first call: 1 means no retry. */
  readonly maximumAttempts: number;
}

export interface RetryOptions {
  /** Cancels the current wait and any further attempt; its reason is what `withRetry` rejects with. */
  signal?: AbortSignal;
  /** Epoch ms (wall clock, `Date.now()`): no retry is started whose wait would end after it. */
  deadlineMs?: number;
  /** Called before each wait with the error of the failed attempt (1-based) and the wait chosen. */
  onRetry?: (err: ProviderError, attempt: number, delayMs: number) => void;
  /** Source of jitter in [0, 1); tests pass a constant. */
  random?: () => number;
}

/** Share of the backoff that jitter may add or remove, so executors hit by one outage do not retry in step. */
const JITTER = 0.2;

/**
 * Marks an error whose retries a layer has used up, by a symbol shared across copies of this package, so an
 * outer `withRetry` does not retry it again: a request retried by its provider is not retried once more per
 * executor attempt (3 x 4 = 12 requests), it goes back to the queue (README "Retries").
 */
const RETRIES_USED = Symbol.for('latigo.retriesUsed');

/** True when an inner `withRetry` already retried `err` as far as its policy allows. */
export function retriesUsed(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[RETRIES_USED] === true;
}

/**
 * Runs `operation` and retries it while it fails with a retryable ProviderError that no inner layer has
 * retried already (`retriesUsed`), `policy.maximumAttempts` attempts in all. p-retry counts the attempts,
 * decides through `shouldRetry`, waits its own exponential backoff (from `policy`, with one jitter factor
 * per call drawn here, so `retryDelayMs` says in advance what it will wait) and stops at the signal. A
 * Retry-After (`retryAfterMs`) longer than that backoff is waited out first: it lengthens the wait, never
 * shortens it. Gives up, rejecting with the original error of the last attempt (never a wrapper), when the
 * error is not retryable, attempts run out, or the next wait would pass `deadlineMs`; a retryable error given
 * up on after retries is marked `retriesUsed`. Cancellation rejects with the signal's reason, untouched.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  const { signal, deadlineMs, onRetry, random = Math.random } = options;
  const jitter = jitterFactor(random);
  // p-retry turns a thrown non-Error into a TypeError of its own; callers get what the operation threw.
  let lastError: unknown;
  try {
    return await pRetry(
      async (attempt) => {
        try {
          return await operation(attempt);
        } catch (err) {
          lastError = err;
          throw err;
        }
      },
      {
        retries: Math.max(0, policy.maximumAttempts - 1),
        minTimeout: policy.initialIntervalMs * jitter,
        factor: policy.backoffCoefficient,
        maxTimeout: jitteredCap(policy, jitter),
        randomize: false,
        ...(deadlineMs === undefined ? {} : { maxRetryTime: Math.max(0, deadlineMs - Date.now()) }),
        signal,
        shouldRetry: async ({ attemptNumber }) => {
          const err = lastError;
          if (!isProviderError(err) || !err.retryable || retriesUsed(err)) return false;
          const backoffMs = exponentialDelayMs(policy, attemptNumber, jitter);
          const delayMs = Math.max(backoffMs, err.retryAfterMs ?? 0);
          if (deadlineMs !== undefined && Date.now() + delayMs > deadlineMs) return false;
          onRetry?.(err, attemptNumber, delayMs);
          // The part of Retry-After that p-retry's own backoff, which follows, does not cover.
          if (delayMs > backoffMs) await sleep(delayMs - backoffMs, undefined, { signal });
          return true;
        },
      },
    );
  } catch (err) {
    // A cancelled wait rejects with an AbortError of its own; callers get the reason the signal carries.
    if (signal?.aborted) throw signal.reason;
    const original = lastError ?? err;
    if (policy.maximumAttempts > 1 && isProviderError(original) && original.retryable && !retriesUsed(original)) {
      Object.defineProperty(original, RETRIES_USED, { value: true });
    }
    throw original;
  }
}

/**
 * The one backoff: the wait after failed attempt `attempt` (1-based), `initialIntervalMs x
 * backoffCoefficient^(attempt-1)` jittered by ±20%, capped at `maximumIntervalMs`, and at least Retry-After
 * (`retryAfterMs`) when the backend sent one. `withRetry` waits exactly this (through p-retry); queue
 * redeliveries, reconnects and restarts use it directly.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  return Math.max(exponentialDelayMs(policy, attempt, jitterFactor(random)), retryAfterMs ?? 0);
}

function jitterFactor(random: () => number): number {
  return 1 - JITTER + 2 * JITTER * random();
}

/**
 * p-retry's own formula (with `randomize: false` and the jitter folded into `minTimeout` and `maxTimeout`), so
 * both agree to the millisecond.
 */
function exponentialDelayMs(policy: RetryPolicy, attempt: number, jitter: number): number {
  const minTimeout = policy.initialIntervalMs * jitter;
  return Math.min(Math.round(minTimeout * policy.backoffCoefficient ** (Math.max(1, attempt) - 1)), jitteredCap(policy, jitter));
}

/** The cap, jittered downwards only: waits that reached it still spread out, and none exceeds `maximumIntervalMs`. */
function jitteredCap(policy: RetryPolicy, jitter: number): number {
  return Math.round(policy.maximumIntervalMs * Math.min(1, jitter));
}

/**
 * The one reading of an HTTP Retry-After header: delay-seconds (fractions allowed) or an HTTP date, in
 * milliseconds from `nowMs`; undefined when absent or unreadable. Takes a header as any client library
 * hands it over (a string, the first of an array, null).
 */
export function parseRetryAfter(value: unknown, nowMs: number = Date.now()): number | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  const text = typeof first === 'string' ? first.trim() : '';
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
