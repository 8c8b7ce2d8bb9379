import { ingestSchema } from './ingestSection.js';
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { providerRoles } from '../contracts/ProviderRole.js';
import { interpolateEnv, overridePath, readOverrideValue, resolveConfigFile, readYaml } from './configFile.js';
import { episodesSchema, outputsSchema } from './outputsSections.js';
import {
  apiSchema,
  databaseSchema,
  demoSchema,
  executorSchema,
  httpSchema,
  loggingSchema,
  schedulerSchema,
  sloSchema,
} from './sections.js';

/** Where a configuration value came from. */
export type ConfigSource =
  | { kind: 'default' }
  | { kind: 'file'; file: string }
  /** `${NAME}` in the file, replaced by the variable `NAME`. */
  | { kind: 'reference'; file: string; variables: string[] }
  /** A `LATIGO_<SECTION>__<KEY>` override. */
  | { kind: 'variable'; variable: string };

export interface ConfigEntry {
  /** Dotted key path, as in the YAML: `executor.retry.maximum_attempts`. */
  path: string;
  value: unknown;
  source: ConfigSource;
}

/** A `LATIGO_*` variable that replaces a different value the file gives the same key. */
export interface ShadowedFileValue {
  path: string;
  variable: string;
  fileValue: unknown;
  value: unknown;
}

export interface ConfigProvenance {
  /** The file read (absolute), if any. */
  file: string | undefined;
  /** Every key set by the file or a variable; with `defaults`, the core sections' defaults too. */
  entries: ConfigEntry[];
  shadowed: ShadowedFileValue[];
}

/**
 * The keys of the configuration `loadConfig` would read with the same `file` and `env`, each with its value
 * and source: the file, a `${NAME}` reference in it, a `LATIGO_*` variable, or (with `defaults`) the
 * built-in default of a core section's key. Values are raw (YAML-level, durations as written); validation
 * is loadConfig's job. Provider sections list only the keys that are set: their defaults belong to the provider.
 */
export function configProvenance(options: {
  file?: string;
  env: Readonly<Record<string, string | undefined>>;
  defaults?: boolean;
}): ConfigProvenance {
  const file = resolveConfigFile(options.file, options.env);
  const raw = file === undefined ? {} : readYaml(file);
  const entries = new Map<string, ConfigEntry>();
  for (const [path, value] of leaves(raw, [])) {
    const dotted = path.join('.');
    const referenced = typeof value === 'string' ? referencedVariables(value).filter((name) => (options.env[name] ?? '') !== '') : [];
    entries.set(dotted, {
      path: dotted,
      value: interpolatedOrRaw(value, options.env, dotted),
      source: referenced.length > 0 ? { kind: 'reference', file: file!, variables: referenced } : { kind: 'file', file: file! },
    });
  }
  const shadowed: ShadowedFileValue[] = [];
  for (const [variable, text] of Object.entries(options.env)) {
    const path = overridePath(variable);
    if (path === undefined || text === undefined) continue;
    const dotted = path.join('.');
    const value = readOverrideValue(text);
    const fromFile = entries.get(dotted);
    if (fromFile !== undefined && fromFile.source.kind !== 'variable' && !isDeepStrictEqual(fromFile.value, value)) {
      shadowed.push({ path: dotted, variable, fileValue: fromFile.value, value });
    }
    // An override of a whole subtree (a mapping as one value) replaces the file's keys under it.
    for (const key of [...entries.keys()]) if (key.startsWith(`${dotted}.`)) entries.delete(key);
    entries.set(dotted, { path: dotted, value, source: { kind: 'variable', variable } });
  }
  if (options.defaults === true) {
    for (const role of providerRoles) {
      const path = `${role}.type`;
      if (!entries.has(path)) entries.set(path, { path, value: 'embedded', source: { kind: 'default' } });
    }
    for (const [section, schema] of coreSchemas) {
      for (const [path, value] of leaves(schemaDefaults(schema) ?? {}, [section])) {
        const dotted = path.join('.');
        const covered = [...entries.keys()].some((key) => key === dotted || dotted.startsWith(`${key}.`) || key.startsWith(`${dotted}.`));
        if (!covered) entries.set(dotted, { path: dotted, value, source: { kind: 'default' } });
      }
    }
  }
  return { file, entries: [...entries.values()].sort((a, b) => a.path.localeCompare(b.path)), shadowed };
}

/** Where the value at `path` (or the nearest key above it) came from, for error messages. */
export function sourceOf(provenance: ConfigProvenance, path: string): ConfigSource | undefined {
  for (let key = path; key !== ''; key = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '') {
    const entry = provenance.entries.find((e) => e.path === key);
    if (entry !== undefined) return entry.source;
  }
  return undefined;
}

/** `file /x/local_config.yaml`, `LATIGO_EXECUTOR__CONCURRENCY`, `${PGPASSWORD} in /x/local_config.yaml`, `default`. */
export function describeSource(source: ConfigSource): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `file ${source.file}`;
    case 'reference':
      return `${source.variables.map((v) => `\${${v}}`).join(', ')} in ${source.file}`;
    case 'variable':
      return source.variable;
  }
}

const coreSchemas: readonly (readonly [string, z.ZodType])[] = [
  ['database', databaseSchema],
  ['scheduler', schedulerSchema],
  ['executor', executorSchema],
  ['logging', loggingSchema],
  ['http', httpSchema],
  ['demo', demoSchema],
  ['api', apiSchema],
  ['slo', sloSchema],
  ['ingest', ingestSchema],
  ['episodes', episodesSchema],
  ['outputs', outputsSchema],
];

/** Scalar (and list) values by key path; a mapping is walked, an empty one is left out. */
function leaves(value: unknown, path: string[]): [string[], unknown][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, child]) => leaves(child, [...path, key]));
  }
  return path.length === 0 ? [] : [[path, value]];
}

/** An unset `${NAME}` is loadConfig's error to report; here the value is shown as written. */
function interpolatedOrRaw(value: unknown, env: Readonly<Record<string, string | undefined>>, path: string): unknown {
  try {
    return interpolateEnv(value, env, path);
  } catch {
    return value;
  }
}

function referencedVariables(text: string): string[] {
  return [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g)].map((m) => m[1]!);
}

/**
 * The input-side defaults of a section schema (`z.strictObject({...}).transform(...)`): each key's
 * `.default(...)`, nested objects walked. Read from zod's definition objects, so the schemas stay the only
 * place defaults are written.
 */
function schemaDefaults(schema: z.ZodType): Record<string, unknown> | undefined {
  const def: ZodDef = schema._zod.def;
  return defaultsOfDef(def) as Record<string, unknown> | undefined;
}

interface ZodDef {
  type: string;
  in?: { _zod: { def: ZodDef } };
  innerType?: { _zod: { def: ZodDef } };
  shape?: Record<string, { _zod: { def: ZodDef } }>;
  defaultValue?: unknown;
}

function defaultsOfDef(def: ZodDef): unknown {
  switch (def.type) {
    case 'pipe':
      return def.in ? defaultsOfDef(def.in._zod.def) : undefined;
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(def.shape ?? {})) {
        const value = defaultsOfDef(child._zod.def);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    case 'default':
    case 'prefault': {
      const value = typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
      // `retry: policy.default({})`: the nested keys' own defaults say more than `{}`.
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0 && def.innerType) {
        return defaultsOfDef(def.innerType._zod.def) ?? value;
      }
      return value;
    }
    case 'optional':
    case 'nullable':
      return def.innerType ? defaultsOfDef(def.innerType._zod.def) : undefined;
    default:
      return undefined;
  }
}
