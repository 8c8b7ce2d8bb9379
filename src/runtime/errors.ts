/**
 * The error family of ARCHITECTURE invariant 6. Vendor errors are translated into these once, at the
 * provider boundary; the executor decides what to do from the class and `retryable`, never from text.
 */

/**
 * What kind of error an object is, recognised across copies of latigo: a third-party provider that bundles
 * its own copy throws errors of *its* ProviderError class, which `instanceof` against ours would not
 * see, so a retryable outage would be dead-lettered as permanent. Every class below stamps this
 * registry-wide symbol (`Symbol.for`, the same in every copy) with its kind; the `is...` predicates read it.
 */
const ERROR_KIND = Symbol.for('latigo.errorKind');
export type ErrorKind = 'config' | 'provider' | 'not_found' | 'invalid_data' | 'insufficient_data';

function brand(err: Error, kind: ErrorKind): void {
  Object.defineProperty(err, ERROR_KIND, { value: kind, enumerable: false });
}

/** The kind an error was branded with by any copy of latigo, or undefined for other values. */
export function errorKind(err: unknown): ErrorKind | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const kind = (err as { [ERROR_KIND]?: unknown })[ERROR_KIND];
  return typeof kind === 'string' ? (kind as ErrorKind) : undefined;
}

/** The configuration cannot work; the process refuses to start. `path` names the key, e.g. `executor.concurrency`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly path: string,
    readonly expected: string,
    options?: ErrorOptions,
  ) {
    super(`invalid configuration at ${path || '(root)'}: ${expected}`, options);
    brand(this, 'config');
  }
}

/** A backend failed. `retryable` is true when the same call may succeed later (outage, timeout, 429, 5xx). */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly retryable: boolean;
  /** Milliseconds the backend asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs?: number;
  constructor(message: string, options: { retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    brand(this, 'provider');
    this.retryable = options.retryable;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** The thing asked for does not exist (model, sensor, revision). Permanent. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    brand(this, 'not_found');
  }
}

/** Input that can never be processed (a malformed message, a corrupt row). Permanent. */
export class InvalidDataError extends Error {
  override readonly name = 'InvalidDataError';
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    brand(this, 'invalid_data');
  }
}

/** Not enough data in the window to run the model. Recorded on the window, not retried. */
export class InsufficientDataError extends Error {
  override readonly name = 'InsufficientDataError';
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    brand(this, 'insufficient_data');
  }
}

// Predicates by brand (see ERROR_KIND): use these, not `instanceof`, wherever an error may come from a provider.
export const isConfigError = (err: unknown): err is ConfigError => errorKind(err) === 'config';
export const isProviderError = (err: unknown): err is ProviderError => errorKind(err) === 'provider';
export const isNotFoundError = (err: unknown): err is NotFoundError => errorKind(err) === 'not_found';
export const isInvalidDataError = (err: unknown): err is InvalidDataError => errorKind(err) === 'invalid_data';
export const isInsufficientDataError = (err: unknown): err is InsufficientDataError => errorKind(err) === 'insufficient_data';
/** A ProviderError (from any copy of latigo) that says the same call may succeed later. */
export const isTransientError = (err: unknown): err is ProviderError => isProviderError(err) && err.retryable === true;

/** How the executor treats an error; also the `error_class` recorded in the ledger and metrics. */
export type ErrorClass = 'insufficient_data' | 'transient' | 'permanent' | 'aborted';

export function classifyError(err: unknown): ErrorClass {
  if (isAbortError(err)) return 'aborted';
  if (isInsufficientDataError(err)) return 'insufficient_data';
  if (isProviderError(err)) return err.retryable ? 'transient' : 'permanent';
  // A timeout that escaped a provider untranslated (e.g. its own `AbortSignal.timeout`): the call may succeed later.
  if (err instanceof Error && err.name === 'TimeoutError') return 'transient';
  return 'permanent';
}

/**
 * Cancellation by the caller (invariant 6: it passes through untouched). A `TimeoutError` is not one: a
 * provider's own timeout is a failure of that call, to be retried or counted like any other.
 */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Throws once `signal` has fired: always an AbortError, whatever reason the signal was aborted with. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** The signal's reason when it is an AbortError, else (a TimeoutError included) an AbortError wrapping it as `cause`. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (isAbortError(reason)) return reason as Error;
  const err = new Error('the operation was aborted', { cause: reason });
  err.name = 'AbortError';
  return err;
}

/** One line for logs and the ledger: the message chain without stack traces. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message || current.name);
      current = current.cause;
    } else {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown non-Error: its own string form is all there is
      parts.push(String(current));
      break;
    }
  }
  // A translated error usually quotes its cause already ("x failed (57P03): <cause message>"): keep a
  // cause's message only when the text so far does not contain it.
  let text = '';
  for (const part of parts) {
    if (!text.includes(part)) text = text === '' ? part : `${text}: ${part}`;
  }
  return text;
}
