import { abandonOnAbort } from '../runtime/abort.js';
import { isAbortError, ProviderError, throwIfAborted, isProviderError } from '../runtime/errors.js';
import type { CallOptions } from '../contracts/CallOptions.js';
import type { BearerTokenSource } from './BearerTokenSource.js';

/** The one call we make on an `@azure/identity` TokenCredential. */
export interface TokenCredentialLike {
  getToken(
    scopes: string | string[],
    options?: { abortSignal?: AbortSignal },
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

export interface CachedBearerTokenSourceOptions {
  /** Where the credential is configured, for error messages (`sensor_data.credential`). */
  path: string;
  scope: string;
  refreshBeforeExpiryMs: number;
  /** Builds the credential; called again after `invalidate()`, since the library keeps its own token cache. */
  createCredential: () => TokenCredentialLike;
  clock?: () => number;
}

/**
 * Caches the token of an Azure AD credential until `refreshBeforeExpiryMs` before it expires. One fetch
 * is shared by all callers; a caller's signal cancels its own wait, not the fetch the others share.
 */
export class CachedBearerTokenSource implements BearerTokenSource {
  private credential: TokenCredentialLike;
  private cached: { token: string; expiresOnMs: number } | undefined;
  private inflight: Promise<string> | undefined;
  private generation = 0;
  private readonly clock: () => number;

  constructor(private readonly options: CachedBearerTokenSourceOptions) {
    this.credential = options.createCredential();
    this.clock = options.clock ?? Date.now;
  }

  async token(options?: CallOptions): Promise<string> {
    throwIfAborted(options?.signal);
    if (this.cached && this.clock() < this.cached.expiresOnMs - this.options.refreshBeforeExpiryMs) return this.cached.token;
    this.inflight ??= this.fetch();
    return abandonOnAbort(this.inflight, options?.signal);
  }

  invalidate(): void {
    this.cached = undefined;
    this.inflight = undefined;
    this.generation++;
    this.credential = this.options.createCredential();
  }

  private async fetch(): Promise<string> {
    const generation = this.generation;
    try {
      const result = await this.credential.getToken(this.options.scope);
      if (!result) throw new ProviderError(`${this.options.path}: the identity service returned no token`, { retryable: true });
      // A token fetched before invalidate() may be the one the API just refused: hand it out, do not keep it.
      if (generation === this.generation) this.cached = { token: result.token, expiresOnMs: result.expiresOnTimestamp };
      return result.token;
    } catch (err) {
      throw toCredentialError(err, this.options.path);
    } finally {
      if (generation === this.generation) this.inflight = undefined;
    }
  }
}

/**
 * `@azure/identity` reports a token endpoint's refusal as AuthenticationError (with `statusCode`) or, from
 * its MSAL-based credentials, as AuthenticationRequiredError whose message starts with the OAuth2 error
 * code (`invalid_client: ...`), the only structured part it keeps. Refusals are permanent; outages,
 * throttling and unreachable hosts are retryable. Messages quote the endpoint's description, never the secret.
 */
export function toCredentialError(err: unknown, path: string): Error {
  if (isProviderError(err) || isAbortError(err)) return err as Error;
  const status = (err as { statusCode?: unknown }).statusCode;
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  const oauthError = /^([a-z_]+):/.exec(message)?.[1];
  const retryable =
    oauthError !== undefined
      ? RETRYABLE_OAUTH_ERRORS.has(oauthError)
      : typeof status === 'number'
        ? status >= 500 || status === 408 || status === 429
        : name !== 'CredentialUnavailableError';
  return new ProviderError(`${path}: could not obtain a token (${name}${typeof status === 'number' ? ` ${status}` : ''}): ${message}`, {
    retryable,
    cause: err,
  });
}

/** OAuth2 / Azure AD error codes that mean "try again later"; every other code is a refusal. */
const RETRYABLE_OAUTH_ERRORS = new Set(['temporarily_unavailable', 'server_error', 'request_timeout']);
