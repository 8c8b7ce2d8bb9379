import { z } from 'zod';
import { parseWith, positiveDuration } from '../config/schema.js';

/**
 * A `credential:` block inside a provider section. `kind` picks how the bearer token is obtained:
 * - `static`: a fixed token, for development against a local or mock API;
 * - `client_secret`: an Azure AD app registration (tenant, client id, secret), OAuth2 client credentials;
 * - `workload_identity`: a Kubernetes service account token exchanged for an Azure AD token (AKS);
 * - `managed_identity`: the identity of the Azure VM / App Service / container the process runs on.
 * Secrets belong in the environment: `client_secret: ${DATA_API_CLIENT_SECRET}`.
 */
const azureCommon = {
  /** The OAuth2 scope, e.g. `<resource id>/.default`. */
  scope: z.string().min(1),
  /** Refresh a cached token this long before it expires. */
  refresh_before_expiry: positiveDuration.default(5 * 60_000),
};
const directoryCommon = {
  ...azureCommon,
  tenant_id: z.string().min(1),
  client_id: z.string().min(1),
  /** Azure AD (Entra ID) login endpoint; another cloud's (or a test server's) when set. Must be https. */
  authority_host: z.url({ protocol: /^https$/, error: 'expected an https URL' }).default('https://login.microsoftonline.com'),
  /** A PEM file of extra certificate authorities trusted for the login endpoint (a TLS-inspecting proxy). */
  ca_file: z.string().min(1).optional(),
  /** Ask Azure AD to validate `authority_host` first; turn off for private clouds (Azure Stack) and test servers. */
  instance_discovery: z.boolean().default(true),
};

const credentialSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('static'), token: z.string().min(1) }),
    z.strictObject({ kind: z.literal('client_secret'), ...directoryCommon, client_secret: z.string().min(1) }),
    z.strictObject({
      kind: z.literal('workload_identity'),
      ...directoryCommon,
      /** The projected service account token (AKS sets AZURE_FEDERATED_TOKEN_FILE to it). */
      token_file: z.string().min(1),
    }),
    z.strictObject({
      kind: z.literal('managed_identity'),
      ...azureCommon,
      /** A user-assigned identity's client id; the system-assigned identity when absent. */
      client_id: z.string().min(1).optional(),
    }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'expected kind: static, client_secret, workload_identity or managed_identity' : undefined,
  },
);

export interface StaticCredentialConfig {
  readonly kind: 'static';
  readonly path: string;
  readonly token: string;
}
interface AzureCredentialCommon {
  readonly path: string;
  readonly scope: string;
  readonly refreshBeforeExpiryMs: number;
}
export interface DirectoryCredentialCommon extends AzureCredentialCommon {
  readonly tenantId: string;
  readonly clientId: string;
  readonly authorityHost: string;
  readonly caFile?: string;
  readonly instanceDiscovery: boolean;
}
export interface ClientSecretCredentialConfig extends DirectoryCredentialCommon {
  readonly kind: 'client_secret';
  readonly clientSecret: string;
}
export interface WorkloadIdentityCredentialConfig extends DirectoryCredentialCommon {
  readonly kind: 'workload_identity';
  readonly tokenFile: string;
}
export interface ManagedIdentityCredentialConfig extends AzureCredentialCommon {
  readonly kind: 'managed_identity';
  readonly clientId?: string;
}

/** A parsed credential block; `path` is where it sits in the configuration (e.g. `sensor_data.credential`). */
export type CredentialConfig =
  StaticCredentialConfig | ClientSecretCredentialConfig | WorkloadIdentityCredentialConfig | ManagedIdentityCredentialConfig;

/**
 * Parses a `credential:` block found at `path`. Throws ConfigError naming the key; the error never
 * quotes a value, so a misplaced secret does not reach the logs.
 */
export function parseCredentialConfig(raw: unknown, path: string): CredentialConfig {
  const config = toCredentialConfig(parseWith(credentialSchema, raw, path), path);
  Object.defineProperty(config, PARSED_CREDENTIAL, { value: true, enumerable: false });
  return config;
}

/**
 * Marks every block parseCredentialConfig returned, so the start-up check can find them inside any
 * provider's config, also one parsed by a provider's own copy of latigo (Symbol.for is shared).
 */
const PARSED_CREDENTIAL = Symbol.for('latigo.CredentialConfig');

export function isCredentialConfig(value: unknown): value is CredentialConfig {
  return typeof value === 'object' && value !== null && Reflect.get(value, PARSED_CREDENTIAL) === true;
}

function toCredentialConfig(c: z.output<typeof credentialSchema>, path: string): CredentialConfig {
  switch (c.kind) {
    case 'static':
      return { kind: 'static', path, token: c.token };
    case 'managed_identity':
      return {
        kind: 'managed_identity',
        path,
        scope: c.scope,
        refreshBeforeExpiryMs: c.refresh_before_expiry,
        ...(c.client_id === undefined ? {} : { clientId: c.client_id }),
      };
    default: {
      const common: DirectoryCredentialCommon = {
        path,
        scope: c.scope,
        refreshBeforeExpiryMs: c.refresh_before_expiry,
        tenantId: c.tenant_id,
        clientId: c.client_id,
        authorityHost: c.authority_host,
        instanceDiscovery: c.instance_discovery,
        ...(c.ca_file === undefined ? {} : { caFile: c.ca_file }),
      };
      return c.kind === 'client_secret'
        ? { ...common, kind: 'client_secret', clientSecret: c.client_secret }
        : { ...common, kind: 'workload_identity', tokenFile: c.token_file };
    }
  }
}
