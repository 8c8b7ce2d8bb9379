import { ProviderError } from '../../src/runtime/errors.js';

/** A backend outage as a provider reports it: retryable, optionally with a Retry-After. */
export function transientError(message = 'backend unavailable', retryAfterMs?: number): ProviderError {
  return new ProviderError(message, { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}

/** A failure that will not go away by retrying (a rejected request, a corrupt model). */
export function permanentError(message = 'request rejected'): ProviderError {
  return new ProviderError(message, { retryable: false });
}

export interface Flaky<T> {
  /** The wrapped provider: `method` throws the scripted errors, in order, before it starts delegating. */
  readonly provider: T;
  /** Calls of `method` so far, failed ones included. */
  calls(): number;
}

/**
 * Wraps `target` so its `method` fails with `errors` first (one per call) and then behaves normally.
 * For an outage that never ends, use `failAlways`.
 */
export function flaky<T extends object>(target: T, method: keyof T & string, errors: readonly unknown[]): Flaky<T> {
  const pending = [...errors];
  let calls = 0;
  const provider = new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      if (prop !== method) return (value as (...a: unknown[]) => unknown).bind(obj);
      return async (...args: unknown[]) => {
        calls++;
        if (pending.length > 0) throw pending.shift();
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
  return { provider, calls: () => calls };
}

/** Wraps `target` so every call of `method` fails with a fresh error from `makeError`. */
export function failAlways<T extends object>(target: T, method: keyof T & string, makeError: () => unknown): Flaky<T> {
  let calls = 0;
  const provider = new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      if (prop !== method) return (value as (...a: unknown[]) => unknown).bind(obj);
      return async () => {
        calls++;
        throw makeError();
      };
    },
  });
  return { provider, calls: () => calls };
}

export interface Spied<T> {
  readonly provider: T;
  /** The arguments of every call of the spied method, in order. */
  readonly calls: unknown[][];
}

/** Wraps `target` so the arguments of every call of `method` are recorded; behaviour is unchanged. */
export function spyOn<T extends object>(target: T, method: keyof T & string): Spied<T> {
  const calls: unknown[][] = [];
  const provider = new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      if (prop !== method) return (value as (...a: unknown[]) => unknown).bind(obj);
      return (...args: unknown[]) => {
        calls.push(args);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
  return { provider, calls };
}
