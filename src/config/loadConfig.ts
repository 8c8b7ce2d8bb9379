import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import yaml from 'js-yaml';
import { providerRoles, type ProviderModule, type ProviderRole } from '../contracts/ProviderModule.js';
import { ConfigError } from '../runtime/errors.js';
import type { AppConfig, ProviderCatalog, ProviderSection } from './AppConfig.js';
import { parseWith } from './schema.js';
import { parseStartTime } from './startTime.js';
import { databaseSchema, demoSchema, executorSchema, httpSchema, loggingSchema, schedulerSchema, type ExecutorConfig } from './sections.js';

export interface LoadConfigOptions {
  /** A YAML file; when omitted, `LATIGO_CONFIG`, then `./local_config.yaml` if it exists, else defaults only. */
  file?: string;
  env?: Readonly<Record<string, string | undefined>>;
  catalog: ProviderCatalog;
}

const coreSections = ['database', 'scheduler', 'executor', 'logging', 'http', 'demo'] as const;
const knownSections = new Set<string>([...coreSections, ...providerRoles]);

/**
 * YAML -> defaults -> `${ENV}` interpolation -> `LATIGO_<SECTION>__<KEY>` overrides -> validation.
 * The only code that reads the environment for configuration. Throws ConfigError naming the key.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<AppConfig> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.LATIGO_CONFIG ?? (existsSync('local_config.yaml') ? 'local_config.yaml' : undefined);
  const raw = file === undefined ? {} : readYaml(file);
  const interpolated = interpolateEnv(raw, env, '') as Record<string, unknown>;
  applyEnvOverrides(interpolated, env);
  return parseAppConfig(interpolated, options.catalog, file === undefined ? undefined : resolve(file));
}

export async function parseAppConfig(raw: Record<string, unknown>, catalog: ProviderCatalog, source?: string): Promise<AppConfig> {
  for (const key of Object.keys(raw)) {
    if (!knownSections.has(key)) throw new ConfigError(key, `unknown section; expected one of ${[...knownSections].join(', ')}`);
  }
  const providers = {} as Record<ProviderRole, ProviderSection>;
  for (const role of providerRoles) providers[role] = await parseProviderSection(role, raw[role], catalog);
  const scheduler = parseWith(schedulerSchema, raw.scheduler, 'scheduler');
  parseStartTime(scheduler.startTime, scheduler.timeZone); // a bad one stops before any side effect
  const executor = parseWith(executorSchema, raw.executor, 'executor');
  // Across sections, hence after all of them parsed.
  checkTaskTimeoutWithinLease(executor, providers.task_queue);
  return {
    database: parseWith(databaseSchema, raw.database, 'database'),
    scheduler,
    executor,
    logging: parseWith(loggingSchema, raw.logging, 'logging'),
    http: parseWith(httpSchema, raw.http, 'http'),
    demo: parseWith(demoSchema, raw.demo, 'demo'),
    providers,
    ...(source === undefined ? {} : { source }),
  };
}

/**
 * Executors do not renew leases: a task still running when its message's visibility timeout ends is handed
 * to a second executor while the first still works on it. So with a queue that leases (its parsed config
 * has `visibilityTimeoutMs`, as the embedded queue's does) a task must time out before its lease does. A
 * queue without leases (e.g. Event Hubs, checkpointed per partition) has no such field and no such limit.
 */
function checkTaskTimeoutWithinLease(executor: ExecutorConfig, queue: ProviderSection): void {
  const queueConfig = queue.config as { visibilityTimeoutMs?: unknown } | null | undefined;
  const visibilityTimeoutMs = typeof queueConfig === 'object' ? queueConfig?.visibilityTimeoutMs : undefined;
  if (typeof visibilityTimeoutMs !== 'number' || executor.taskTimeoutMs < visibilityTimeoutMs) return;
  throw new ConfigError('executor.task_timeout', `expected less than task_queue.visibility_timeout (${visibilityTimeoutMs} ms), `
    + `got ${executor.taskTimeoutMs} ms: a task still running when its lease expires is delivered to a second executor`);
}

async function parseProviderSection(role: ProviderRole, raw: unknown, catalog: ProviderCatalog): Promise<ProviderSection> {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigError(role, 'expected a mapping with a "type" key');
  }
  const { type = 'embedded', ...rest } = (raw ?? {}) as Record<string, unknown>;
  if (typeof type !== 'string') throw new ConfigError(`${role}.type`, 'expected a string');
  const builtIn = Object.hasOwn(catalog[role], type) ? catalog[role][type] : undefined;
  const module = type.startsWith('module:') ? await importProviderModule(role, type.slice('module:'.length)) : await builtIn?.();
  if (!module) {
    const choices = [...Object.keys(catalog[role]), 'module:<package-or-path>'];
    throw new ConfigError(`${role}.type`, `unknown type "${type}"; expected one of ${choices.join(', ')}`);
  }
  return { type, module, config: parseProviderConfig(module, rest, role) };
}

/**
 * A third-party module may bundle its own copy of latigo, so its ConfigError is recognised by name, not
 * class; any other error it throws still names the section rather than escaping as a stack trace.
 */
function parseProviderConfig(module: ProviderModule, raw: Record<string, unknown>, role: ProviderRole): unknown {
  try {
    return module.parseConfig(raw, role);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const foreign = err as { name?: unknown; path?: unknown; expected?: unknown; message?: unknown };
    if (foreign?.name === 'ConfigError' && typeof foreign.path === 'string') {
      throw new ConfigError(foreign.path, String(foreign.expected ?? foreign.message), { cause: err });
    }
    throw new ConfigError(role, `the provider rejected its configuration: ${String(foreign?.message ?? err)}`, { cause: err });
  }
}

/** Loads a third-party provider: a package name or a file path exporting a ProviderModule as `default` or `providerModule`. */
async function importProviderModule(role: ProviderRole, specifier: string): Promise<ProviderModule> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  const target = isPath ? pathToFileURL(resolve(specifier)).href : specifier;
  let loaded: Record<string, unknown>;
  try {
    loaded = await import(target);
  } catch (err) {
    throw new ConfigError(`${role}.type`, `cannot load provider module "${specifier}": ${(err as Error).message}`, { cause: err });
  }
  const candidate = (loaded.default ?? loaded.providerModule) as Partial<ProviderModule> | undefined;
  if (!candidate || typeof candidate.parseConfig !== 'function' || typeof candidate.load !== 'function') {
    throw new ConfigError(`${role}.type`, `module "${specifier}" must export a ProviderModule ({ parseConfig, load }) as default or providerModule`);
  }
  return candidate as ProviderModule;
}

/**
 * YAML's core schema: strings, numbers, booleans and null, but no timestamps. The default schema turns an
 * unquoted `2020-01-01T00:00:00` into a Date read as UTC, which would lose `start_time`'s local reading in
 * `time_zone` (and a Date is no string, so the key would be refused).
 */
const yamlOptions = { schema: yaml.CORE_SCHEMA } as const;

export function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('(file)', `cannot read configuration file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = yaml.load(text, { filename: file, ...yamlOptions });
  } catch (err) {
    throw new ConfigError('(file)', `${file} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (parsed === undefined || parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError('(root)', `${file} must hold a mapping of sections`);
  return parsed as Record<string, unknown>;
}

/** Replaces `${NAME}` and `${NAME:-fallback}` in every string value; an unset variable without fallback is an error. */
export function interpolateEnv(value: unknown, env: Readonly<Record<string, string | undefined>>, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(path, `environment variable ${name} is not set (referenced as \${${name}})`);
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, path ? `${path}.${k}` : k)]));
  }
  return value;
}

/**
 * `LATIGO_EXECUTOR__CONCURRENCY=4` sets `executor.concurrency`; `__` separates levels because keys hold
 * single underscores. Values are read as YAML scalars, so numbers and booleans keep their type.
 * `LATIGO_CONFIG` names the file and is not an override.
 */
export function applyEnvOverrides(target: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('LATIGO_') || name === 'LATIGO_CONFIG' || value === undefined) continue;
    const path = name.slice('LATIGO_'.length).toLowerCase().split('__');
    if (path.length < 2 || !knownSections.has(path[0]!)) continue; // other LATIGO_* variables are not config
    let node = target;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path.at(-1)!] = yaml.load(value, yamlOptions) ?? value;
  }
}
