/**
 * latigo as a library: the provider contracts, domain types and the pieces a third-party provider
 * needs (errors, logger interface, config parsing helpers). Conformance suites: `latigo/testing`.
 */
export * from './contracts/index.js';
export * from './contracts/ProviderModule.js';
export * from './domain/index.js';
export { ConfigError, ProviderError, NotFoundError, InvalidDataError, InsufficientDataError, classifyError, describeError, isAbortError } from './runtime/errors.js';
export type { ErrorClass } from './runtime/errors.js';
export { Logger, silentLogger } from './runtime/logger.js';
export type { LogFields } from './runtime/logger.js';
export { Clock, ProcessName } from './runtime/clock.js';
export { Database } from './persistence/dataSource.js';
export { parseWith, duration, positiveDuration, instant } from './config/schema.js';
export * from './credentials/index.js';
