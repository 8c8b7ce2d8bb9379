import { isAxiosError } from 'axios';
import { abortError, isAbortError, ProviderError, isProviderError } from '../../src/runtime/errors.js';
import { parseRetryAfter } from '../../src/runtime/retry.js';

/** Statuses worth another try: throttling, gateway and service outages, timeouts. */
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The HTTP status of a failed axios call, when the API answered. */
export function statusOf(err: unknown): number | undefined {
  return isAxiosError(err) ? err.response?.status : undefined;
}

/**
 * The only code that reads Data API errors. 429 and 5xx are retryable (with the Retry-After the API
 * sent); other 4xx are permanent and quote the API's `message` and `traceId` (what its operators ask
 * for); no answer at all (refused, reset, timed out) is retryable. Cancellation by `signal` passes
 * through as an AbortError. Request headers (the bearer token) never reach the message.
 */
export function toProviderError(err: unknown, operation: string, signal?: AbortSignal): Error {
  if (signal?.aborted) return abortError(signal);
  if (isProviderError(err) || isAbortError(err)) return err as Error;
  if (!isAxiosError(err))
    return new ProviderError(`${operation} failed: ${err instanceof Error ? err.message : String(err)}`, { retryable: false, cause: err });
  const response = err.response;
  if (!response) {
    return new ProviderError(`${operation} failed: no answer from the Data API (${err.code ?? err.message})`, {
      retryable: true,
      cause: stripRequest(err),
    });
  }
  const body = response.data as { message?: unknown; traceId?: unknown } | string | undefined;
  const apiMessage =
    typeof body === 'object' && body !== null && typeof body.message === 'string'
      ? body.message
      : typeof body === 'string' && body.length > 0
        ? body.slice(0, 200)
        : response.statusText;
  const traceId = typeof body === 'object' && body !== null && typeof body.traceId === 'string' ? body.traceId : undefined;
  const retryAfterMs = parseRetryAfter(response.headers?.['retry-after']);
  return new ProviderError(
    `${operation} failed: Data API answered ${response.status}: ${apiMessage}${traceId ? ` (traceId ${traceId})` : ''}`,
    {
      retryable: RETRYABLE_STATUSES.has(response.status),
      cause: stripRequest(err),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  );
}

/** An AxiosError keeps the request config, headers included: the cause we keep must not carry the token. */
function stripRequest(err: Error): Error {
  const copy = new Error(err.message);
  copy.name = err.name;
  Object.assign(copy, { code: (err as { code?: unknown }).code, status: statusOf(err) });
  return copy;
}

/** Throws an AbortError when the error is axios's cancellation of a call whose signal fired. */
export function rethrowIfAborted(err: unknown, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
  if (isAbortError(err)) throw err;
}
