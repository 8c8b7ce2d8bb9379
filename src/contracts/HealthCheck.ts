import type { ServiceIdentifier } from 'inversify';
import type { CallOptions } from './CallOptions.js';

/**
 * Optional capability: a provider's own connectivity check, run by `/readyz`. Resolves when the backend
 * answers; throws ProviderError saying what failed. Several may be bound (one per provider that has one);
 * `name` labels each in the readiness report.
 */
export interface HealthCheck {
  readonly name: string;
  check(options?: CallOptions): Promise<void>;
}
export const HealthCheck: ServiceIdentifier<HealthCheck> = Symbol.for('latigo.HealthCheck');
