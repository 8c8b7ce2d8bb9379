/** Bearer tokens for providers that call HTTP APIs: static, Azure AD client secret, workload or managed identity. */
export type { BearerTokenSource } from './BearerTokenSource.js';
export { parseCredentialConfig, isCredentialConfig } from './config.js';
export type {
  CredentialConfig,
  StaticCredentialConfig,
  ClientSecretCredentialConfig,
  WorkloadIdentityCredentialConfig,
  ManagedIdentityCredentialConfig,
} from './config.js';
export { createBearerTokenSource, CredentialStore } from './createBearerTokenSource.js';
export type { CreateBearerTokenSourceOptions } from './createBearerTokenSource.js';
export { CachedBearerTokenSource, toCredentialError } from './CachedBearerTokenSource.js';
export type { TokenCredentialLike } from './CachedBearerTokenSource.js';
export { StaticBearerTokenSource } from './StaticBearerTokenSource.js';
export { findCredentialConfigs, verifyCredentials } from './verifyCredentials.js';
