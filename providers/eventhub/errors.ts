import { ProviderError, isAbortError, isProviderError } from '../../src/runtime/errors.js';

/**
 * The only code that reads Event Hubs SDK errors. The SDK quotes whole connection strings (key included)
 * in some messages and wraps exhausted retries in an AggregateError without `retryable`: both handled here.
 */

/** Hides shared access keys and signatures in any text headed for a log or an error (invariant 8). */
export function redactSecrets(text: string): string {
  return text
    .replace(/(SharedAccessKey\s*=\s*)[^;"'\s]*/gi, '$1***')
    .replace(/(SharedAccessSignature\s*=\s*)[^;"']*/gi, '$1***')
    .replace(/([?&]sig=)[^&;"'\s]*/gi, '$1***');
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  retryable?: boolean;
}

/** The errors inside an AggregateError (the SDK's exhausted retries), else the error itself. */
export function innerErrors(err: unknown): SdkError[] {
  if (err instanceof Error && err.name === 'AggregateError' && Array.isArray((err as AggregateError).errors)) {
    return (err as AggregateError).errors as SdkError[];
  }
  return [err as SdkError];
}

/** Codes that mean the configuration is wrong (no retry can help). */
const PERMANENT_CODES = new Set([
  'MessagingEntityNotFoundError',
  'UnauthorizedError',
  'ArgumentOutOfRangeError',
  'ArgumentError',
  'MessageTooLargeError',
  'ENOTFOUND',
]);

/**
 * A ProviderError naming `operation`, the SDK's error code and its message with secrets redacted. Retryable
 * when the SDK says so, or for an AggregateError of retryable errors (an outage that outlasted the SDK's
 * retries); never for a missing hub or refused credentials. AbortErrors pass through.
 */
export function toProviderError(err: unknown, operation: string): Error {
  if (isAbortError(err) || isProviderError(err)) return err as Error;
  const inner = innerErrors(err);
  const last = inner.at(-1) ?? {};
  const code = last.code ?? last.name ?? 'Error';
  const permanent = inner.some((e) => PERMANENT_CODES.has(e.code ?? e.name ?? ''));
  const retryable = !permanent && inner.every((e) => e.retryable === true || e.code === 'ECONNREFUSED');
  const attempts = inner.length > 1 ? ` after ${inner.length} attempts` : '';
  return new ProviderError(`${operation} failed${attempts} (${code}): ${redactSecrets(last.message ?? String(err))}`, {
    retryable,
    cause: err,
  });
}

/** For start-up: what is wrong, in words an operator can act on. */
export function describeStartupFailure(err: unknown, target: string): string {
  const inner = innerErrors(err);
  const codes = new Set(inner.map((e) => e.code ?? e.name ?? ''));
  const detail = redactSecrets(inner.at(-1)?.message ?? String(err));
  if (codes.has('UnauthorizedError')) return `Event Hubs refused the credentials for ${target} (UnauthorizedError): ${detail}`;
  if (codes.has('MessagingEntityNotFoundError')) return `Event Hubs has no hub ${target} (MessagingEntityNotFoundError): ${detail}`;
  if (codes.has('ECONNREFUSED') || codes.has('ENOTFOUND'))
    return `cannot connect to Event Hubs at ${target} (${[...codes].join(', ')}): ${detail}`;
  return `cannot reach Event Hubs ${target} (${[...codes].join(', ')}): ${detail}`;
}
