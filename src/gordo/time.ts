import { InvalidDataError } from '../runtime/errors.js';

/** A time of day followed by an offset at the end: `Z`, `+00:00`, `+0000` or `-05`. */
const OFFSET = /[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)$/i;

/**
 * A Gordo time (`train_start_date`, `train_end_date`): ISO 8601 with a `T` or a space before the time, and an
 * offset, which Gordo requires of them (text without one would otherwise be read in this process's zone).
 * A Date (a YAML timestamp) is taken as it is. Throws InvalidDataError naming `field` and the value.
 */
export function readGordoTime(value: unknown, field: string): number {
  const ms = parseGordoTime(value);
  if (Number.isNaN(ms)) throw new InvalidDataError(`${field}: ${GORDO_TIME_EXPECTED}, got ${JSON.stringify(value)}`);
  return ms;
}

/** What a Gordo time must look like, for messages. */
export const GORDO_TIME_EXPECTED = 'expected an ISO 8601 time with an offset, such as 2020-01-01T00:00:00+00:00';

/** `readGordoTime` without the error: NaN when `value` is not a Gordo time. */
export function parseGordoTime(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  const text = typeof value === 'string' ? value.trim() : '';
  return OFFSET.test(text) ? Date.parse(text.replace(' ', 'T')) : Number.NaN;
}
