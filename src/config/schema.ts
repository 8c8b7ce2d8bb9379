import { DateTime } from 'luxon';
import ms from 'ms';
import { z } from 'zod';
import { ConfigError } from '../runtime/errors.js';

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
 * An instant: ISO 8601 text (or a Date, for callers that build config in code), as epoch milliseconds.
 * Text without an offset is UTC, never the process's local zone (the core is UTC; see ARCHITECTURE).
 */
export const instant = z.union([z.string(), z.date()]).transform((value, ctx) => {
  const ms = value instanceof Date ? value.getTime() : parseUtcText(value.trim());
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 time such as 2026-01-01T00:00:00Z, got "${String(value)}"` });
    return z.NEVER;
  }
  return ms;
});

/** ISO 8601, or its SQL-like form with a space before the time (as YAML timestamps allow); NaN when neither. */
function parseUtcText(text: string): number {
  let parsed = DateTime.fromISO(text, { zone: 'utc' });
  if (!parsed.isValid) parsed = DateTime.fromSQL(text, { zone: 'utc' });
  return parsed.isValid ? parsed.toMillis() : Number.NaN;
}

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
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}
