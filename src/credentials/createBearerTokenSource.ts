import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { ConfigError } from '../runtime/errors.js';
import type { BearerTokenSource } from './BearerTokenSource.js';
import { CachedBearerTokenSource, type TokenCredentialLike } from './CachedBearerTokenSource.js';
import type { CredentialConfig, DirectoryCredentialCommon } from './config.js';
import { StaticBearerTokenSource } from './StaticBearerTokenSource.js';

export interface CreateBearerTokenSourceOptions {
  clock?: () => number;
}

/** A new token source for a parsed credential block (CredentialStore keeps one per block). Does not contact anything. */
export function createBearerTokenSource(config: CredentialConfig, options: CreateBearerTokenSourceOptions = {}): BearerTokenSource {
  return config.kind === 'static'
    ? new StaticBearerTokenSource(config.token)
    : new CachedBearerTokenSource({
        path: config.path,
        scope: config.scope,
        refreshBeforeExpiryMs: config.refreshBeforeExpiryMs,
        createCredential: credentialFactory(config),
        ...(options.clock ? { clock: options.clock } : {}),
      });
}

/**
 * One token source per credential block for a process (the container holds one store): the sections that
 * share a block, and the start-up check, share its cached token.
 */
export class CredentialStore {
  private readonly sources = new Map<CredentialConfig, BearerTokenSource>();

  constructor(private readonly options: CreateBearerTokenSourceOptions = {}) {}

  tokenSource(config: CredentialConfig): BearerTokenSource {
    let source = this.sources.get(config);
    if (!source) {
      source = createBearerTokenSource(config, this.options);
      this.sources.set(config, source);
    }
    return source;
  }
}

function credentialFactory(config: Exclude<CredentialConfig, { kind: 'static' }>): () => TokenCredentialLike {
  switch (config.kind) {
    case 'client_secret': {
      const options = directoryOptions(config);
      return () => onFirstToken((id) => new id.ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret, options));
    }
    case 'workload_identity': {
      const options = {
        ...directoryOptions(config),
        tenantId: config.tenantId,
        clientId: config.clientId,
        tokenFilePath: config.tokenFile,
      };
      return () => onFirstToken((id) => new id.WorkloadIdentityCredential(options));
    }
    case 'managed_identity':
      return () =>
        onFirstToken((id) =>
          config.clientId === undefined
            ? new id.ManagedIdentityCredential()
            : new id.ManagedIdentityCredential({ clientId: config.clientId }),
        );
  }
}

type IdentityLibrary = typeof import('@azure/identity');

/**
 * The credential, built when the first token is asked for. @azure/identity (with MSAL) adds ~30 MB to a
 * process; it is loaded only by processes whose configuration names an Azure AD credential.
 */
function onFirstToken(build: (identity: IdentityLibrary) => TokenCredentialLike): TokenCredentialLike {
  let credential: Promise<TokenCredentialLike> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then(build);
      return (await credential).getToken(scopes, options);
    },
  };
}

/**
 * Options of the credentials that talk to Azure AD. The library's own retry policy is turned off: a
 * failed token fetch surfaces as a retryable ProviderError and the caller's retry (with its deadline)
 * decides, rather than two nested retry loops.
 */
function directoryOptions(config: DirectoryCredentialCommon) {
  return {
    authorityHost: config.authorityHost,
    disableInstanceDiscovery: !config.instanceDiscovery,
    retryOptions: { maxRetries: 0 },
    ...(config.caFile === undefined ? {} : { agent: new Agent({ ca: readCa(config), keepAlive: true }) }),
  };
}

function readCa(config: DirectoryCredentialCommon): string {
  try {
    return readFileSync(config.caFile!, 'utf8');
  } catch (err) {
    throw new ConfigError(`${config.path}.ca_file`, `a readable PEM file (${(err as Error).message})`, { cause: err });
  }
}
