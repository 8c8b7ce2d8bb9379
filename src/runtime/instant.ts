import { DateTime } from 'luxon';

/**
 * The one reading of an instant typed by a person (configuration, `backfill --from`): ISO 8601, or its SQL-like
 * form with a space before the time (as YAML timestamps allow); UTC unless the text gives an offset. NaN when neither.
 * Its own module, importing only luxon, so the CLI's argument parsers can use it without loading the config schema.
 */
export function parseInstantText(value: string): number {
  const text = value.trim();
  let parsed = DateTime.fromISO(text, { zone: 'utc' });
  if (!parsed.isValid) parsed = DateTime.fromSQL(text, { zone: 'utc' });
  return parsed.isValid ? parsed.toMillis() : Number.NaN;
}
