import type { CallOptions } from '../contracts/CallOptions.js';

/**
 * A bearer token for one configured credential (a `credential:` block of a provider section). Providers
 * that call an HTTP API put `Authorization: Bearer <token()>` on each request and call `invalidate()` once
 * when the API answers 401, then ask again.
 */
export interface BearerTokenSource {
  /**
   * A token valid for at least the refresh margin: cached, and fetched again shortly before it expires.
   * Concurrent callers share one fetch. Throws ProviderError (retryable when the token endpoint is
   * unreachable or overloaded, not when it refuses the credential); the message never contains the secret.
   * Rejects with an AbortError when `options.signal` fires.
   */
  token(options?: CallOptions): Promise<string>;
  /** Forgets the cached token, so the next `token()` fetches a new one (after a 401 from the API). */
  invalidate(): void;
}
