import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import { isAbortError, ProviderError, isProviderError } from '../../src/runtime/errors.js';
import { parseRetryAfter } from '../../src/runtime/retry.js';

/**
 * The only code that reads InfluxDB failures (HTTP statuses, server messages, socket errors, both API
 * modes) and turns them into the error family of invariant 6.
 */

/** An HTTP answer that was not a success, from either API mode. `message` is the server's own text. */
export class InfluxHttpError extends Error {
  override readonly name = 'InfluxHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A statement that failed inside a 200 answer (`results[i].error` of /query, an error table of Flux). */
export class InfluxStatementError extends Error {
  override readonly name = 'InfluxStatementError';
}

/** Some points of a write were refused (type conflict, retention, limits); the others were stored. */
export class PartialWriteError extends ProviderError {
  constructor(
    message: string,
    readonly droppedPoints: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, { retryable: false, ...options });
  }
}

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
/** Statement errors that go away by themselves: the server was busy, not the query wrong. */
const TRANSIENT_STATEMENT =
  /query-timeout limit exceeded|max-concurrent-queries limit exceeded|timeout|engine is closed|shard .* (closed|unavailable)/i;
/** A 500 that is a configuration mistake, not an outage. */
const PERMANENT_500 = /retention policy not found/i;
const DROPPED = /dropped[= ](\d+)/i;

/**
 * Translates anything thrown by a request into ProviderError (retryable for outages, timeouts, 429 and
 * 5xx; permanent for other 4xx, with the server's message), keeping `cause`. An AbortError (the caller
 * cancelled) passes through untouched.
 */
export function toProviderError(err: unknown, operation: string): unknown {
  if (isProviderError(err) || isAbortError(err)) return err;
  if (err instanceof HttpError) {
    return fromStatus(
      err.statusCode,
      serverMessage(err.body) ?? err.message,
      operation,
      parseRetryAfter(err.headers?.['retry-after']),
      err,
    );
  }
  if (err instanceof InfluxHttpError) return fromStatus(err.status, err.message, operation, err.retryAfterMs, err);
  if (err instanceof InfluxStatementError) {
    return new ProviderError(`${operation}: ${err.message}`, { retryable: TRANSIENT_STATEMENT.test(err.message), cause: err });
  }
  if (err instanceof RequestTimedOutError || (err instanceof Error && err.name === 'TimeoutError')) {
    return new ProviderError(`${operation}: the request timed out`, { retryable: true, cause: err });
  }
  const code = networkCode(err);
  if (code !== undefined) return new ProviderError(`${operation}: cannot reach InfluxDB (${code})`, { retryable: true, cause: err });
  if (err instanceof SyntaxError)
    return new ProviderError(`${operation}: InfluxDB answered with a body that is not JSON`, { retryable: true, cause: err });
  return new ProviderError(`${operation}: ${err instanceof Error ? err.message : String(err)}`, { retryable: false, cause: err });
}

function fromStatus(status: number, message: string, operation: string, retryAfterMs: number | undefined, cause: unknown): ProviderError {
  const dropped = DROPPED.exec(message);
  if ((status === 400 || status === 422) && /partial write/i.test(message) && dropped) {
    return new PartialWriteError(
      `${operation}: partial write, ${dropped[1]} point(s) dropped by the server: ${message}`,
      Number(dropped[1]),
      { cause },
    );
  }
  const retryable = RETRYABLE_STATUSES.has(status) && !(status === 500 && PERMANENT_500.test(message));
  return new ProviderError(`${operation}: HTTP ${status}: ${message}`, {
    retryable,
    cause,
    ...(retryable && retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** The `error` or `message` of a JSON error body, else the text itself (trimmed); undefined when empty. */
export function serverMessage(body: string | undefined): string | undefined {
  const text = body?.trim();
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    /* plain text, e.g. a 503 from the write throttle */
  }
  return text.length > 1_000 ? `${text.slice(0, 1_000)}…` : text;
}

function networkCode(err: unknown): string | undefined {
  for (let current = err, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    // fetch reports every socket failure as TypeError('fetch failed') with the system error as cause.
    if (current instanceof TypeError && current.message === 'fetch failed' && !(current.cause instanceof Error)) return 'fetch failed';
  }
  return undefined;
}
