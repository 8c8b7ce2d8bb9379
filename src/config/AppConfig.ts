import type { ProviderModule, ProviderRole } from '../contracts/ProviderModule.js';
import type { DatabaseConfig, DemoConfig, ExecutorConfig, HttpConfig, LoggingConfig, SchedulerConfig } from './sections.js';

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
  readonly http: HttpConfig;
  readonly demo: DemoConfig;
  readonly providers: ProviderSections;
  /** Where the YAML came from, for `latigo status` and logs; undefined for built-in defaults only. */
  readonly source?: string;
}

/**
 * Built-in providers by role and `type` name, each loaded on first use; `module:<x>` types are loaded
 * outside this map. Lazy because the client libraries are heavy (the Kubernetes client alone adds ~90 MB
 * of RSS) and a process needs only the few its configuration names.
 */
export type ProviderCatalog = { readonly [R in ProviderRole]: Readonly<Record<string, () => Promise<ProviderModule<any>>>> };
