import type { ProviderModule, ProviderRole } from '../contracts/ProviderModule.js';
import type { DatabaseConfig, DemoConfig, ExecutorConfig, LoggingConfig, SchedulerConfig } from './sections.js';

/** A provider section after parsing: the `type` it named, the module that serves it, and its options. */
export interface ProviderSection<C = unknown> {
  readonly type: string;
  readonly module: ProviderModule<C>;
  readonly config: C;
}

export type ProviderSections = { readonly [R in ProviderRole]: ProviderSection };

/** The whole validated configuration. Built once by loadConfig; never read from YAML or env elsewhere. */
export interface AppConfig {
  readonly database: DatabaseConfig;
  readonly scheduler: SchedulerConfig;
  readonly executor: ExecutorConfig;
  readonly logging: LoggingConfig;
  readonly demo: DemoConfig;
  readonly providers: ProviderSections;
  /** Where the YAML came from, for `latigo status` and logs; undefined for built-in defaults only. */
  readonly source?: string;
}

/** Built-in providers by role and `type` name; `module:<x>` types are loaded outside this map. */
export type ProviderCatalog = { readonly [R in ProviderRole]: Readonly<Record<string, ProviderModule<any>>> };
