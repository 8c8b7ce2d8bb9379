import type { ProviderRole } from '../contracts/ProviderRole.js';
import type { ProviderDefinition } from '../provider/defineProvider.js';
import type { IngestConfig } from './ingestSection.js';
import type {
  ApiConfig,
  DatabaseConfig,
  DemoConfig,
  ExecutorConfig,
  HttpConfig,
  LoggingConfig,
  SchedulerConfig,
  SloConfig,
} from './sections.js';
import type { EpisodesConfig, OutputsConfig } from './outputsSections.js';

/** A provider section after parsing: the `type` it named, the provider definition that serves it, and its options. */
export interface ProviderSection<C = unknown> {
  readonly type: string;
  readonly definition: ProviderDefinition;
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
  readonly api: ApiConfig;
  readonly slo: SloConfig;
  readonly ingest: IngestConfig;
  readonly episodes: EpisodesConfig;
  readonly outputs: OutputsConfig;
  readonly providers: ProviderSections;
  /** Where the YAML came from, for `latigo status` and logs; undefined for built-in defaults only. */
  readonly source?: string;
}

/**
 * Built-in providers by role and `type` name, each loaded on first use; `module:<x>` types are loaded
 * outside this map. Lazy because the client libraries are heavy (the Kubernetes client alone adds ~90 MB
 * of RSS) and a process needs only the few its configuration names.
 */
export type ProviderCatalog = { readonly [R in ProviderRole]: Readonly<Record<string, () => Promise<ProviderDefinition>>> };
