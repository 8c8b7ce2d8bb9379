import type { HealthCheck } from '../contracts/HealthCheck.js';
import type { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { ModelWriter } from '../contracts/ModelWriter.js';
import type { PredictionReader } from '../contracts/PredictionReader.js';
import type { PredictionStorageProvider } from '../contracts/PredictionStorageProvider.js';
import type { LeaseSettings, ProviderRole } from '../contracts/ProviderRole.js';
import type { QueueInspector } from '../contracts/QueueInspector.js';
import type { SensorDataProvider } from '../contracts/SensorDataProvider.js';
import type { SensorInformationProvider } from '../contracts/SensorInformationProvider.js';
import type { SensorWriter } from '../contracts/SensorWriter.js';
import type { TaskQueue } from '../contracts/TaskQueue.js';
import type { ProviderMigration } from './ProviderMigration.js';
import type { ProviderDeps } from './ProviderDeps.js';

/** The contract each configuration section is served by. */
export interface SectionServices {
  task_queue: TaskQueue;
  model_info: ModelInformationProvider;
  predictor: ModelExecutionProvider;
  sensor_information: SensorInformationProvider;
  sensor_data: SensorDataProvider;
  prediction_storage: PredictionStorageProvider;
}

/** The optional capabilities a section may declare (src/contracts), by name. */
export interface Capabilities {
  queueInspector: QueueInspector;
  predictionReader: PredictionReader;
  sensorWriter: SensorWriter;
  modelWriter: ModelWriter;
  healthCheck: HealthCheck;
}
export type CapabilityName = keyof Capabilities;

/** What a section's `create` returns: the object serving the section, and the capabilities it declared. */
export interface CreatedSection<R extends ProviderRole> {
  readonly service: SectionServices[R];
  /** Every name in the section's `capabilities`, each with its implementation (often `service` itself). */
  readonly capabilities?: Partial<Capabilities>;
}

/**
 * One configuration section a provider serves (`sensor_data: { type: <provider>, ... }`).
 *
 * `parseConfig` receives the section without `type` and returns fully defaulted options; it throws
 * ConfigError naming `path` + key for anything invalid. `create` runs when a process first needs the
 * section (never for roles that do not use it) and must not block on a backend that is down: connect
 * lazily, fail the calls instead.
 */
export interface SectionDefinition<R extends ProviderRole, C> {
  parseConfig(raw: Readonly<Record<string, unknown>>, path: string): C;
  /** The capabilities `create` returns; only these are bound (looked up by token by the core and the API). */
  readonly capabilities?: readonly CapabilityName[];
  /** A task queue that leases messages declares its lease, so the configuration is checked across sections. */
  leaseSettings?(config: C): LeaseSettings;
  /** A task queue that routes executor pools itself (Event Hubs: a hub per pool) checks its routing against
   *  `executor.pools` (ConfigError naming the key) and returns its config with the pools' kinds. */
  withExecutorPools?(config: C, pools: Readonly<Record<string, readonly string[]>>, path: string): C;
  create(config: C, deps: ProviderDeps): CreatedSection<R> | Promise<CreatedSection<R>>;
}

export type SectionDefinitions<Cs> = { readonly [R in keyof Cs]: R extends ProviderRole ? SectionDefinition<R, Cs[R]> : never };

/** A provider package: one backend serving one or more sections, with the tables it keeps in the service's database. */
export interface ProviderDefinition {
  readonly name: string;
  readonly sections: { readonly [R in ProviderRole]?: SectionDefinition<R, unknown> };
  /** Schema changes of the tables this provider keeps in the service's database, oldest first. */
  readonly migrations?: readonly ProviderMigration[];
}

/**
 * Marks a value as made by defineProvider in any copy of latigo (Symbol.for is shared across copies), so
 * `type: module:<package>` can tell a provider definition from another export without probing its shape.
 */
const PROVIDER_DEFINITION = Symbol.for('latigo.ProviderDefinition');

/**
 * Declares a provider package. Each section's config type flows from its `parseConfig` into its `create`
 * and `leaseSettings`; `deps` are named and typed (ProviderDeps). Export the result as the module's
 * `default` to load it with `type: module:<package-or-path>`.
 */
export function defineProvider<Cs extends { [R in ProviderRole]?: unknown }>(definition: {
  readonly name: string;
  readonly sections: SectionDefinitions<Cs>;
  readonly migrations?: readonly ProviderMigration[];
}): ProviderDefinition {
  const defined: ProviderDefinition = {
    name: definition.name,
    sections: definition.sections,
    ...(definition.migrations ? { migrations: definition.migrations } : {}),
  };
  Object.defineProperty(defined, PROVIDER_DEFINITION, { value: true, enumerable: false });
  return Object.freeze(defined);
}

/** True for a value defineProvider returned (in this or another copy of latigo). */
export function isProviderDefinition(value: unknown): value is ProviderDefinition {
  return typeof value === 'object' && value !== null && Reflect.get(value, PROVIDER_DEFINITION) === true;
}
