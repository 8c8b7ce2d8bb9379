import type { ContainerModule } from 'inversify';

/** The configuration sections that name an implementation with `type`. */
export const providerRoles = ['task_queue', 'model_info', 'predictor', 'sensor_information', 'sensor_data', 'prediction_storage'] as const;
export type ProviderRole = (typeof providerRoles)[number];

/**
 * What a provider package exports (built-in or loaded with `type: module:<package-or-path>`): a config
 * parser and a loader that binds the implementation of the section's contract into the container.
 *
 * `parseConfig` receives the section without its `type` key and returns fully defaulted options; it
 * throws ConfigError naming `path` + key for anything invalid. `load` must not connect to anything:
 * bindings are resolved lazily, and only for the process roles that need them. Bindings may depend on
 * the core tokens `Logger` and `Database`.
 */
export interface ProviderModule<C = unknown> {
  parseConfig(raw: Readonly<Record<string, unknown>>, path: string): C;
  load(config: C): ContainerModule;
}
