import { InvalidArgumentError } from 'commander';
import { parseInstantText } from '../runtime/instant.js';

/**
 * Parsers for the numbers and times on the command line. Commander reports an InvalidArgumentError as
 * "error: option '--x <n>' argument 'abc' is invalid. <message>" and exits 2, before any command module,
 * configuration or database is loaded. Imports nothing but commander: `latigo --help` stays fast.
 */
export function positiveInteger(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive whole number, such as 10');
  return n;
}

/** A whole number of seconds, 0 included (e.g. "give up at once"). */
export function nonNegativeInteger(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

/** `--from` and `--to`, read as the configuration reads instants: UTC unless the text gives an offset. */
export function parseInstant(value: string): number {
  const ms = parseInstantText(value);
  if (Number.isNaN(ms))
    throw new InvalidArgumentError(
      `expected an ISO 8601 time such as 2026-01-01T00:00:00Z (UTC unless an offset is given), got "${value}"`,
    );
  return ms;
}

/** A repeatable option's values in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
