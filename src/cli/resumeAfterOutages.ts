import { setTimeout as sleep } from 'node:timers/promises';
import { toProviderError } from '../persistence/sql/errors.js';
import { describeError, isAbortError, isTransientError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { retryDelayMs, type RetryPolicy } from '../runtime/retry.js';

/** From 1 s up to 30 s between tries: a database restart takes seconds, a failover up to a minute. */
const OUTAGE_BACKOFF: RetryPolicy = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 30_000,
  maximumAttempts: Number.MAX_SAFE_INTEGER,
};

/**
 * Runs a resumable job (backfill: the ledger knows what it already queued) again after a transient failure
 * such as a database restart, with backoff, until it succeeds, fails for good, or `signal` fires. A
 * permanent failure (wrong password, missing table) and cancellation pass through at once.
 */
export async function resumeAfterOutages<T>(
  job: () => Promise<T>,
  options: { signal: AbortSignal; log: Logger; what: string; policy?: RetryPolicy },
): Promise<T> {
  const policy = options.policy ?? OUTAGE_BACKOFF;
  for (let failures = 1; ; failures++) {
    try {
      return await job();
    } catch (err) {
      if (options.signal.aborted || isAbortError(err)) throw err;
      const classified = toProviderError(err, options.what);
      if (!isTransientError(classified)) throw err;
      const delayMs = retryDelayMs(policy, failures, undefined);
      options.log.warn(`${options.what} interrupted by a transient failure; resuming`, {
        failures,
        delayMs,
        error: describeError(classified),
      });
      await sleep(delayMs, undefined, { signal: options.signal });
    }
  }
}
