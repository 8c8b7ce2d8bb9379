import { ingestSchema } from './ingestSection.js';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { providerRoles, type ProviderRole } from '../contracts/ProviderRole.js';
import { isProviderDefinition, type ProviderDefinition, type SectionDefinition } from '../provider/defineProvider.js';
import { checkDatabaseUrl } from '../runtime/connectionUrl.js';
import { ConfigError, isConfigError } from '../runtime/errors.js';
import type { AppConfig, ProviderCatalog, ProviderSection } from './AppConfig.js';
import { applyEnvOverrides, interpolateEnv, knownSections, readYaml, resolveConfigFile } from './configFile.js';
import { configProvenance, describeSource, sourceOf } from './provenance.js';
import { parseWith, readRenamedKeys } from './schema.js';
import { episodesSchema, outputsSchema } from './outputsSections.js';
import { parseStartTime } from './startTime.js';
import {
  apiSchema,
  databaseRenamedKeys,
  databaseSchema,
  demoSchema,
  executorRenamedKeys,
  executorSchema,
  httpSchema,
  loggingSchema,
  schedulerSchema,
  sloSchema,
  type ExecutorConfig,
  type SchedulerConfig,
  type SloConfig,
} from './sections.js';

export interface LoadConfigOptions {
  /** A YAML file; when omitted, `LATIGO_CONFIG`, then `./local_config.yaml` if it exists, else defaults only. */
  file?: string;
  env?: Readonly<Record<string, string | undefined>>;
  catalog: ProviderCatalog;
}

/**
 * YAML -> defaults -> `${ENV}` interpolation -> `LATIGO_<SECTION>__<KEY>` overrides -> validation.
 * The only code that reads the environment for configuration. Throws ConfigError naming the key.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<AppConfig> {
  const env = options.env ?? process.env;
  const file = resolveConfigFile(options.file, env);
  try {
    const raw = file === undefined ? {} : readYaml(file);
    const interpolated = interpolateEnv(raw, env, '') as Record<string, unknown>;
    applyEnvOverrides(interpolated, env);
    return await parseAppConfig(interpolated, options.catalog, file);
  } catch (err) {
    throw isConfigError(err) ? withSource(err, file, env) : err;
  }
}

/** Says where the refused value came from: the file (named), a `LATIGO_*` variable, or a `${NAME}` in the file. */
function withSource(err: ConfigError, file: string | undefined, env: Readonly<Record<string, string | undefined>>): ConfigError {
  if (err.path.startsWith('(')) return err; // about the file itself, which it names
  let source;
  try {
    source = sourceOf(configProvenance({ file, env }), err.path);
  } catch {
    return err; // the file was readable a moment ago; if not now, the original error still stands
  }
  // Nothing set the key: its default clashes with another key (e.g. task_timeout with visibility_timeout).
  const where = source !== undefined ? describeSource(source) : `its default; configuration file ${file ?? '(none)'}`;
  return new ConfigError(err.path, `${err.expected} (from ${where})`, { cause: err.cause ?? err });
}

export { applyEnvOverrides, interpolateEnv, readYaml } from './configFile.js';

export async function parseAppConfig(raw: Record<string, unknown>, catalog: ProviderCatalog, source?: string): Promise<AppConfig> {
  for (const key of Object.keys(raw)) {
    if (!knownSections.has(key)) throw new ConfigError(key, `unknown section; expected one of ${[...knownSections].join(', ')}`);
  }
  const providers = {} as Record<ProviderRole, ProviderSection>;
  for (const role of providerRoles) providers[role] = await parseProviderSection(role, raw[role], catalog);
  const scheduler = parseWith(schedulerSchema, raw.scheduler, 'scheduler');
  parseStartTime(scheduler.startTime, scheduler.timeZone); // a bad one stops before any side effect
  const executor = parseWith(executorSchema, readRenamedKeys(raw.executor, 'executor', executorRenamedKeys), 'executor');
  // Across sections, hence after all of them parsed.
  checkTaskTimeoutWithinLease(executor, providers.task_queue);
  providers.task_queue = withExecutorPools(providers.task_queue, executor.pools);
  const database = parseWith(databaseSchema, readRenamedKeys(raw.database, 'database', databaseRenamedKeys), 'database');
  checkDatabaseUrl(database.url);
  return {
    database,
    scheduler,
    executor,
    logging: parseWith(loggingSchema, raw.logging, 'logging'),
    http: parseWith(httpSchema, raw.http, 'http'),
    demo: parseWith(demoSchema, raw.demo, 'demo'),
    api: parseWith(apiSchema, raw.api, 'api'),
    slo: withDefaultStaleness(parseWith(sloSchema, raw.slo, 'slo'), scheduler),
    ingest: parseWith(ingestSchema, raw.ingest, 'ingest'),
    episodes: parseWith(episodesSchema, raw.episodes, 'episodes'),
    outputs: parseWith(outputsSchema, raw.outputs, 'outputs'),
    providers,
    ...(source === undefined ? {} : { source }),
  };
}

/** `slo.max_staleness` 0 means the default: a window is due `interval + delay` after its start, plus one interval of slack. */
function withDefaultStaleness(slo: SloConfig, scheduler: SchedulerConfig): SloConfig {
  return slo.maxStalenessMs > 0 ? slo : { maxStalenessMs: 2 * scheduler.intervalMs + scheduler.delayMs };
}

/**
 * Executors do not renew leases: a task still running when its message's visibility timeout ends is handed
 * to a second executor while the first still works on it. So with a queue that leases (its module declares
 * `leaseSettings`, as the embedded queue's does) a task must time out before its lease does. A queue
 * without leases (e.g. Event Hubs, checkpointed per partition) declares none and has no such limit.
 */
function checkTaskTimeoutWithinLease(executor: ExecutorConfig, queue: ProviderSection): void {
  const lease = queue.definition.sections.task_queue?.leaseSettings?.(queue.config);
  if (lease === undefined || executor.taskTimeoutMs < lease.visibilityTimeoutMs) return;
  throw new ConfigError(
    'executor.task_timeout',
    `expected less than task_queue.visibility_timeout (${lease.visibilityTimeoutMs} ms), ` +
      `got ${executor.taskTimeoutMs} ms: a task still running when its lease expires is delivered to a second executor`,
  );
}

/** A queue that routes executor pools itself checks them against its own routing (see SectionDefinition). */
function withExecutorPools(queue: ProviderSection, pools: Readonly<Record<string, readonly string[]>>): ProviderSection {
  const section = queue.definition.sections.task_queue;
  return section?.withExecutorPools === undefined
    ? queue
    : { ...queue, config: section.withExecutorPools(queue.config, pools, 'task_queue') };
}

async function parseProviderSection(role: ProviderRole, raw: unknown, catalog: ProviderCatalog): Promise<ProviderSection> {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(role, 'expected a mapping with a "type" key');
  }
  const { type = 'embedded', ...rest } = (raw ?? {}) as Record<string, unknown>;
  if (typeof type !== 'string') throw new ConfigError(`${role}.type`, 'expected a string');
  const builtIn = Object.hasOwn(catalog[role], type) ? catalog[role][type] : undefined;
  const definition = type.startsWith('module:') ? await importProviderDefinition(role, type.slice('module:'.length)) : await builtIn?.();
  if (!definition) {
    const choices = [...Object.keys(catalog[role]), 'module:<package-or-path>'];
    throw new ConfigError(`${role}.type`, `unknown type "${type}"; expected one of ${choices.join(', ')}`);
  }
  const section: SectionDefinition<ProviderRole, unknown> | undefined = definition.sections[role];
  if (!section) {
    const served = Object.keys(definition.sections).join(', ') || 'none';
    throw new ConfigError(
      `${role}.type`,
      `provider "${definition.name}" (type "${type}") does not serve the ${role} section; it serves: ${served}`,
    );
  }
  return { type, definition, config: parseProviderConfig(section, rest, role) };
}

/**
 * A third-party module may bundle its own copy of latigo: its ConfigError is recognised by brand (see
 * runtime/errors.ts), not class; any other error it throws still names the section rather than escaping
 * as a stack trace.
 */
function parseProviderConfig(section: SectionDefinition<ProviderRole, unknown>, raw: Record<string, unknown>, role: ProviderRole): unknown {
  try {
    return section.parseConfig(raw, role);
  } catch (err) {
    if (isConfigError(err)) throw err;
    throw new ConfigError(role, `the provider rejected its configuration: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** Loads a third-party provider: a package name or a file path exporting a defineProvider() value as `default` or `provider`. */
async function importProviderDefinition(role: ProviderRole, specifier: string): Promise<ProviderDefinition> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  const target = isPath ? pathToFileURL(resolve(specifier)).href : specifier;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(target)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${role}.type`, `cannot load provider module "${specifier}": ${(err as Error).message}`, { cause: err });
  }
  const candidate = loaded.default ?? loaded.provider;
  if (!isProviderDefinition(candidate)) {
    throw new ConfigError(`${role}.type`, `module "${specifier}" must export a provider made with defineProvider() as default or provider`);
  }
  return candidate;
}
