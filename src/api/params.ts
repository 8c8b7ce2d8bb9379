import ms from 'ms';
import { timeRange, type TimeRange } from '../domain/TimeRange.js';
import { badRequest } from './problem.js';

/** ISO 8601 UTC text of epoch milliseconds (the API's one time format). */
export const iso = (timeMs: number): string => new Date(timeMs).toISOString();

/** Parses an ISO 8601 time with an offset; throws a 400 naming `field`. */
export function parseTime(value: string, field: string): number {
  // An offset is required: a time without one would be read in the server's zone (invariant 4).
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(value))
    throw badRequest(field, `${field} must be an ISO 8601 time with an offset, e.g. 2026-01-01T00:00:00Z; got "${value}"`);
  const timeMs = Date.parse(value);
  if (Number.isNaN(timeMs)) throw badRequest(field, `${field} is not an ISO 8601 time: "${value}"`);
  return timeMs;
}

/** Parses a duration such as `2h` or `30m`; throws a 400 naming `field`. */
export function parseDuration(value: string, field: string): number {
  const parsed = ms(value.trim() as ms.StringValue) as number | undefined;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
    throw badRequest(field, `${field} must be a duration such as 30m, 2h or 1d; got "${value}"`);
  }
  return parsed;
}

/**
 * A range from `from` and `to` (fields named with `prefix`, e.g. `query`), checked: `from` before `to` and
 * no longer than `maxRangeMs` (api.max_range).
 */
export function parseRange(from: string, to: string, prefix: string, maxRangeMs: number): TimeRange {
  const fromMs = parseTime(from, `${prefix}.from`);
  const toMs = parseTime(to, `${prefix}.to`);
  if (toMs <= fromMs) throw badRequest(`${prefix}.to`, `${prefix}.to must be later than ${prefix}.from`);
  if (toMs - fromMs > maxRangeMs)
    throw badRequest(`${prefix}.to`, `the range is longer than api.max_range (${ms(maxRangeMs, { long: true })})`);
  return timeRange(fromMs, toMs);
}

/** Opaque cursors: base64url JSON of where a page ended. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, valid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('query.cursor', 'query.cursor is not a cursor this API returned');
  }
  if (!valid(value)) throw badRequest('query.cursor', 'query.cursor is not a cursor this API returned');
  return value;
}

/** JSON numbers cannot be NaN or infinite: those are sent as null. */
export const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);
