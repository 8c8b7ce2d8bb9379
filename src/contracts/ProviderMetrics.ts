import type { ServiceIdentifier } from 'inversify';

/** One call a provider made to its backend (one attempt: a retried call reports each). */
export interface ProviderCallEvent {
  /** The provider's configuration section, e.g. `task_queue`. */
  readonly provider: string;
  /** What was called, e.g. `send`. */
  readonly operation: string;
  readonly durationMs: number;
  /** How the call failed (see classifyError); undefined when it succeeded. */
  readonly errorClass?: string;
}

/**
 * The process's metrics as a provider reports to them. Called on the provider's hot path: an
 * implementation only counts (no throw, no I/O). The composition root binds the process's metrics here.
 */
export interface ProviderMetrics {
  providerCall(event: ProviderCallEvent): void;
}
export const ProviderMetrics: ServiceIdentifier<ProviderMetrics> = Symbol.for('latigo.ProviderMetrics');
