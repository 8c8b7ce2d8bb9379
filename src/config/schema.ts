import ms from 'ms';
import { z } from 'zod';
import { ConfigError } from '../runtime/errors.js';
import { parseInstantText } from '../runtime/instant.js';
import type { RetryPolicy } from '../runtime/retry.js';

/** A duration: milliseconds as a number, or text such as `10s`, `30m`, `6h`, `2d`. */
export const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const parsed = ms(value.trim() as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 10s, 30m, 6h or 2d, got "${value}"` });
    return z.NEVER;
  }
  return parsed;
});

/** A positive duration. */
export const positiveDuration = duration.refine((v) => v > 0, { message: 'expected a duration greater than zero' });

/**
 * The one retry block, in every section that retries (README "Retries"): `{ maximum_attempts,
 * initial_interval, backoff_coefficient, maximum_interval }`, intervals in the duration vocabulary above,
 * `defaults` for what is left out. `maximum_attempts` counts the first call (1: no retry).
 */
export function retryPolicy(defaults: RetryPolicy) {
  return z
    .strictObject({
      maximum_attempts: z.number().int().positive().default(defaults.maximumAttempts),
      initial_interval: positiveDuration.default(defaults.initialIntervalMs),
      backoff_coefficient: z.number().min(1).default(defaults.backoffCoefficient),
      maximum_interval: positiveDuration.default(defaults.maximumIntervalMs),
    })
    .refine((c) => c.maximum_interval >= c.initial_interval, {
      path: ['maximum_interval'],
      message: 'expected at least initial_interval',
    })
    .transform((c): RetryPolicy => ({
      maximumAttempts: c.maximum_attempts,
      initialIntervalMs: c.initial_interval,
      backoffCoefficient: c.backoff_coefficient,
      maximumIntervalMs: c.maximum_interval,
    }))
    .prefault({});
}

/** A key renamed in this release: still read for one release, with a deprecation warning naming `to`. */
export interface RenamedKey {
  /** Dotted path of the old key within the section, e.g. `retry_backoff` or `retry.max_retries`. */
  readonly from: string;
  /** Dotted path of the key that replaces it, e.g. `retry.initial_interval`. */
  readonly to: string;
  /** The old value in the new key's terms (e.g. retries -> attempts); the value itself when absent. */
  readonly convert?: (value: unknown) => unknown;
}

/**
 * `raw` (a section under `path`) with every old key of `renames` that is set moved to its new key, each
 * announced by a DeprecationWarning (`process.emitWarning`, code LATIGO_DEPRECATED_KEY) that names both.
 * Renames apply in order. Setting an old key and its replacement together is a ConfigError: which one
 * should win is not ours to guess. `raw` itself is left untouched.
 */
export function readRenamedKeys(raw: unknown, path: string, renames: readonly RenamedKey[]): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const section = structuredClone(raw) as Record<string, unknown>;
  for (const { from, to, convert } of renames) {
    const fromKeys = from.split('.');
    const fromParent = mappingAt(section, fromKeys.slice(0, -1), false);
    const fromKey = fromKeys.at(-1)!;
    if (fromParent === undefined || !Object.hasOwn(fromParent, fromKey)) continue;
    const toKeys = to.split('.');
    const toParent = mappingAt(section, toKeys.slice(0, -1), true);
    if (toParent === undefined) throw new ConfigError(`${path}.${to}`, `expected a mapping to receive ${path}.${from}`);
    const toKey = toKeys.at(-1)!;
    if (Object.hasOwn(toParent, toKey)) {
      throw new ConfigError(`${path}.${from}`, `was renamed ${path}.${to}, which is also set; keep only ${path}.${to}`);
    }
    const value = fromParent[fromKey];
    delete fromParent[fromKey];
    // A block whose keys all moved (e.g. data_api's `request_retry`) goes too, or strict schemas would refuse it.
    if (fromKeys.length > 1 && Object.keys(fromParent).length === 0)
      delete mappingAt(section, fromKeys.slice(0, -2), false)?.[fromKeys.at(-2)!];
    toParent[toKey] = convert === undefined ? value : convert(value);
    process.emitWarning(
      `${path}.${from} is deprecated and will stop being read in the next release; use ${path}.${to}` +
        (convert === undefined ? '' : ` (read as ${path}.${to}: ${JSON.stringify(toParent[toKey])})`),
      { type: 'DeprecationWarning', code: 'LATIGO_DEPRECATED_KEY' },
    );
  }
  return section;
}

/** The mapping at `keys` under `root`, created on the way when `create`; undefined where something else is in the way. */
function mappingAt(root: Record<string, unknown>, keys: readonly string[], create: boolean): Record<string, unknown> | undefined {
  let node = root;
  for (const key of keys) {
    const next = node[key];
    if (next === undefined && create) node[key] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) return undefined;
    node = node[key] as Record<string, unknown>;
  }
  return node;
}

/**
 * An instant: ISO 8601 text (or a Date, for callers that build config in code), as epoch milliseconds.
 * Text without an offset is UTC, never the process's local zone (the core is UTC; see ARCHITECTURE).
 */
export const instant = z.union([z.string(), z.date()]).transform((value, ctx) => {
  const ms = value instanceof Date ? value.getTime() : parseInstantText(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 time such as 2026-01-01T00:00:00Z, got "${String(value)}"` });
    return z.NEVER;
  }
  return ms;
});

/**
 * Validates `raw` with `schema`; on failure throws ConfigError naming the full key path under
 * `path` (e.g. `executor.retry.maximum_attempts`) and what was expected there.
 */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, path: string): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const keyPath = [path, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  throw new ConfigError(keyPath, describeIssue(issue), { cause: result.error });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}
