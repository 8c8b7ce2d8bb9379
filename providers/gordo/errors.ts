import { isAxiosError } from 'axios';
import { abortError, NotFoundError, ProviderError, isNotFoundError, isProviderError } from '../../src/runtime/errors.js';
import { parseRetryAfter } from '../../src/runtime/retry.js';

/** The revision asked for is not on the server (410 Gone): the caller may re-resolve once, then it is permanent. */
export class RevisionGoneError extends NotFoundError {
  constructor(
    message: string,
    readonly revision: string | undefined,
  ) {
    super(message);
  }
}

/** The model has no usable anomaly endpoint (422): the caller falls back to `/prediction` for that model. */
export class NotAnAnomalyDetectorError extends ProviderError {
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** Socket-level failures worth another attempt: the server restarted, the gateway dropped us. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const MAX_MESSAGE = 300;

/** A non-2xx answer, with the server's own message when the body has one (JSON `message`/`error`, or HTML text). */
export function httpStatusError(
  status: number,
  body: string,
  contentType: string | undefined,
  retryAfter: string | undefined,
  operation: string,
): Error {
  const detail = serverMessage(body, contentType);
  const message = `${operation}: HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 404) return new NotFoundError(message);
  if (status === 410) return new RevisionGoneError(message, revisionOf(body));
  if (status === 422) return new NotAnAnomalyDetectorError(message);
  const retryable = status >= 500 || status === 429 || status === 408;
  const retryAfterMs = parseRetryAfter(retryAfter);
  return new ProviderError(message, { retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}

/**
 * The one place that reads axios errors: cancellation passes through as an AbortError; timeouts and
 * connection failures are retryable; anything else (a bug, a bad URL) is permanent.
 */
export function toProviderError(err: unknown, operation: string, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return abortError(signal);
  if (isProviderError(err) || isNotFoundError(err)) return err;
  if (isAxiosError(err)) {
    if (err.code === 'ERR_CANCELED') return new ProviderError(`${operation}: request timed out`, { retryable: true, cause: err });
    const code = err.code ?? '';
    if (TRANSIENT_CODES.has(code) || /socket hang up|timeout/i.test(err.message)) {
      return new ProviderError(`${operation}: ${code || err.message}`, { retryable: true, cause: err });
    }
    return new ProviderError(`${operation}: ${err.message}`, { retryable: false, cause: err });
  }
  return new ProviderError(`${operation}: ${err instanceof Error ? err.message : String(err)}`, { retryable: false, cause: err });
}

function serverMessage(body: string, contentType: string | undefined): string {
  if (body.trim() === '') return '';
  if (contentType?.includes('json')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const text = parsed['message'] ?? parsed['error'];
      if (typeof text === 'string') return clip(text);
    } catch {
      // fall through: shown as text
    }
  }
  // Flask's default error page (6.x 404/422): keep its words, not its markup.
  return clip(
    body
      .replace(/<title>[\s\S]*?<\/title>/i, '')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

function revisionOf(body: string): string | undefined {
  try {
    const revision = (JSON.parse(body) as Record<string, unknown>)['revision'];
    return typeof revision === 'string' ? revision : undefined;
  } catch {
    return undefined;
  }
}

function clip(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`;
}
