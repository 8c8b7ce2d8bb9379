import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { providerRoles } from '../contracts/ProviderRole.js';
import { ConfigError } from '../runtime/errors.js';

/** Reading the configuration's layers: the YAML file, `${NAME}` references, `LATIGO_*` overrides. */

export const coreSections = [
  'database',
  'scheduler',
  'executor',
  'logging',
  'http',
  'demo',
  'api',
  'slo',
  'episodes',
  'outputs',
  'ingest',
] as const;
export const knownSections = new Set<string>([...coreSections, ...providerRoles]);

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
    // No cause and not js-yaml's message: both quote the lines around the error, which may hold a password.
    throw new ConfigError('(file)', `${file} is not valid YAML: ${describeYamlError(err)}`);
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
    const path = overridePath(name);
    if (path === undefined || value === undefined) continue;
    let node = target;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path.at(-1)!] = readOverrideValue(value);
  }
}

/** The key path a `LATIGO_<SECTION>__<KEY>` variable sets, or undefined for any other variable. */
export function overridePath(name: string): string[] | undefined {
  if (!name.startsWith('LATIGO_') || name === 'LATIGO_CONFIG') return undefined;
  const path = name.slice('LATIGO_'.length).toLowerCase().split('__');
  if (path.length < 2 || !knownSections.has(path[0]!)) return undefined; // other LATIGO_* variables are not config
  return path;
}

/** An override's text read as a YAML scalar, so numbers and booleans keep their type; text YAML cannot
 *  read stays the string it is (js-yaml's error would quote it, and it may be a secret). */
export function readOverrideValue(text: string): unknown {
  try {
    return yaml.load(text, yamlOptions) ?? text;
  } catch {
    return text;
  }
}

/** Where and why js-yaml refused a document (1-based line and column), never the text there. */
export function describeYamlError(err: unknown): string {
  const { reason, mark } = err as { reason?: unknown; mark?: { line?: unknown; column?: unknown } };
  const where =
    typeof mark?.line === 'number' && typeof mark.column === 'number'
      ? `line ${mark.line + 1}, column ${mark.column + 1}`
      : 'unknown position';
  return `${typeof reason === 'string' && reason !== '' ? reason : 'syntax error'} at ${where}`;
}

/** The file loadConfig reads: `file`, else `LATIGO_CONFIG`, else `./local_config.yaml` when it exists. */
export function resolveConfigFile(file: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const chosen = file ?? env.LATIGO_CONFIG ?? (existsSync('local_config.yaml') ? 'local_config.yaml' : undefined);
  return chosen === undefined ? undefined : resolve(chosen);
}
