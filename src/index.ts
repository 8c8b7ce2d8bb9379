/**
 * latigo as a library: the provider contracts, domain types and the pieces a third-party provider
 * needs (errors, logger interface, config parsing helpers). Conformance suites: `latigo/testing`.
 */
export * from './contracts/index.js';
export * from './contracts/ProviderRole.js';
export * from './provider/index.js';
export * from './domain/index.js';
export {
  ConfigError,
  ProviderError,
  NotFoundError,
  InvalidDataError,
  InsufficientDataError,
  classifyError,
  describeError,
  isAbortError,
  errorKind,
  isConfigError,
  isProviderError,
  isNotFoundError,
  isInvalidDataError,
  isInsufficientDataError,
  isTransientError,
} from './runtime/errors.js';
export type { ErrorClass, ErrorKind } from './runtime/errors.js';
export { Logger, silentLogger } from './runtime/logger.js';
export type { LogFields } from './runtime/logger.js';
export { Clock, ProcessName } from './runtime/clock.js';
export { Database, type Dialect } from './persistence/Database.js';
export { parseWith, duration, positiveDuration, instant, retryPolicy, readRenamedKeys } from './config/schema.js';
export type { RenamedKey } from './config/schema.js';
export { withRetry, retryDelayMs, retriesUsed, parseRetryAfter } from './runtime/retry.js';
export type { RetryPolicy, RetryOptions } from './runtime/retry.js';
export { abandonOnAbort, timeoutSignal } from './runtime/abort.js';
export type { TimeoutSignal } from './runtime/abort.js';
export * from './credentials/index.js';
