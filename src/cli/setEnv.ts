import { isDeepStrictEqual } from 'node:util';
import yaml from 'js-yaml';
import { applyEnvOverrides } from '../config/loadConfig.js';
import { maskUrl } from '../persistence/dataSource.js';
import { ConfigError } from '../runtime/errors.js';

/** One `LATIGO_<SECTION>__<KEY>` variable: its name, the value the service reads back, and the key path it sets. */
export interface EnvVariable {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  readonly secret: boolean;
}

const yamlOptions = { schema: yaml.CORE_SCHEMA } as const;

/**
 * Turns a configuration (YAML sections, `${NAME}` already replaced) into the `LATIGO_<SECTION>__<KEY>`
 * variables that loadConfig reads back into the same configuration: one per scalar key; lists (e.g.
 * `model_info.models`) as one JSON value, which the service reads as YAML. A string that would read back as
 * something else (`"123"`, `"true"`, text over several lines) is written JSON-quoted. Keys must be
 * lower-case snake_case, as every latigo key is; anything else throws ConfigError naming it. Null keys
 * are left out (the service then uses the default).
 *
 * Checked on the way out: the variables, applied as the service applies them, must give back `config`.
 */
export function configToEnvironment(config: Readonly<Record<string, unknown>>): EnvVariable[] {
  const variables: EnvVariable[] = [];
  const visit = (value: unknown, path: readonly string[]) => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) visit(child, [...path, checkedKey(key, path)]);
      return;
    }
    const dotted = path.join('.');
    if (path.length < 2) throw new ConfigError(dotted, 'expected a mapping of keys (a section cannot be a single value)');
    variables.push({
      name: `LATIGO_${path.map((p) => p.toUpperCase()).join('__')}`,
      value: encodeValue(value),
      path: dotted,
      secret: isSecret(path, value),
    });
  };
  for (const [section, value] of Object.entries(config)) visit(value, [checkedKey(section, [])]);

  const readBack: Record<string, unknown> = {};
  applyEnvOverrides(readBack, Object.fromEntries(variables.map((v) => [v.name, v.value])));
  if (!isDeepStrictEqual(withoutNulls(readBack), withoutNulls(config))) {
    throw new ConfigError('(root)', 'the configuration cannot be carried by LATIGO_* variables without changing it');
  }
  return variables;
}

function checkedKey(key: string, parent: readonly string[]): string {
  if (!/^[a-z0-9]+(_[a-z0-9]+)*$/.test(key)) {
    throw new ConfigError(
      [...parent, key].join('.'),
      'expected a lower-case snake_case key (it becomes part of an environment variable name)',
    );
  }
  return key;
}

/** The text the service reads back as `value` (loadConfig parses override values as YAML). */
function encodeValue(value: unknown): string {
  if (typeof value === 'string') return readsBackAs(value, value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value); // a list, or an empty mapping: JSON is YAML
}

function readsBackAs(text: string, value: unknown): boolean {
  try {
    return isDeepStrictEqual(yaml.load(text, yamlOptions) ?? text, value);
  } catch {
    return false;
  }
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [k, withoutNulls(v)] as const);
  return Object.fromEntries(
    entries.filter(([, v]) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)),
  );
}

const SECRET_KEY = /(^|_)(password|passwd|secret|tokens?|key|credentials?|connection_string|sas)$/;

/** Invariant 8: keys that name a secret, and URLs carrying a password, are masked on a terminal. */
export function isSecret(path: readonly string[], value: unknown): boolean {
  if (SECRET_KEY.test(path.at(-1)!)) return true;
  return typeof value === 'string' && maskUrl(value) !== value;
}

/** What a terminal shows for a secret: nothing of it, except the non-secret parts of a URL. */
export function maskedValue(variable: EnvVariable): string {
  if (!variable.secret) return variable.value;
  return maskSecret(variable.path.split('.'), variable.value);
}

/** `value` of the key at `path` as logs and terminals may show it (invariant 8). */
export function maskSecret(path: readonly string[], value: string): string {
  if (SECRET_KEY.test(path.at(-1)!)) return '***';
  return maskUrl(value);
}

/** `export NAME='value'` lines for a POSIX shell's `eval`. With `reveal: false`, secrets are masked: for a
 *  terminal, not for `eval`. */
export function formatExports(variables: readonly EnvVariable[], options: { reveal: boolean }): string {
  return variables.map((v) => `export ${v.name}=${singleQuoted(options.reveal ? v.value : maskedValue(v))}\n`).join('');
}

/**
 * POSIX single quotes: everything inside is literal (spaces, `"`, `$`, backquotes, `!`, backslashes, line
 * breaks); a `'` closes the quote, adds an escaped one and reopens: `'it'\''s'`. (shell-quote would
 * backslash-escape every `:` and `*` instead, which reads badly on a terminal.)
 */
function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * A `.env` file as docker compose reads it (`env_file:` and interpolation; compose-go's env-file syntax):
 * a value is single-quoted, which compose takes literally (no escapes, no `$` interpolation), unless it holds
 * a quote or a line break; then it is double-quoted with `\\`, `\"`, `\n`, `\r` escapes and `$$` for `$`.
 */
export function formatDotenv(variables: readonly EnvVariable[], source: string): string {
  const header = `# Written by \`latigo set-env --dotenv\` from ${source}; regenerate it rather than editing it.\n`;
  return header + variables.map((v) => `${v.name}=${dotenvQuote(v.value)}\n`).join('');
}

function dotenvQuote(value: string): string {
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}
