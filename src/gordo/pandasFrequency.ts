import { InvalidDataError } from '../runtime/errors.js';

/**
 * A pandas frequency alias (Gordo's `dataset.resolution`) as pandas reads it: a fixed-length offset
 * (`10T`, `5Min`, `30S`, `1H`, `1d`, `500L`, `250ms`) or a calendar offset whose length varies (`1MS`
 * month start, `M` month end, `W-MON`, `B`).
 */
export type PandasFrequency =
  | { readonly kind: 'fixed'; readonly alias: string; readonly ms: number }
  | { readonly kind: 'calendar'; readonly alias: string; readonly count: number; readonly description: string };

/**
 * Milliseconds of the fixed-length (pandas "Tick") offsets, by upper-cased name: the old spellings (`T`,
 * `S`, `L`, `U`, `N`) and the new (`min`, `s`, `ms`, `us`, `ns`) that pandas 2 prefers.
 */
const FIXED_MS: Readonly<Record<string, number>> = {
  D: 86_400_000,
  H: 3_600_000,
  T: 60_000,
  MIN: 60_000,
  S: 1_000,
  L: 1,
  U: 1e-3,
  US: 1e-3,
  N: 1e-6,
  NS: 1e-6,
};

/** Calendar offsets (upper-cased, before any `-anchor` such as `W-MON`): what they mean, for messages. */
const CALENDAR: Readonly<Record<string, string>> = {
  M: 'month end',
  ME: 'month end',
  MS: 'month start',
  SM: 'semi-month end',
  SMS: 'semi-month start',
  BM: 'business month end',
  BME: 'business month end',
  BMS: 'business month start',
  CBM: 'custom business month end',
  CBMS: 'custom business month start',
  W: 'week',
  Q: 'quarter end',
  QE: 'quarter end',
  QS: 'quarter start',
  BQ: 'business quarter end',
  BQE: 'business quarter end',
  BQS: 'business quarter start',
  A: 'year end',
  Y: 'year end',
  YE: 'year end',
  AS: 'year start',
  YS: 'year start',
  BA: 'business year end',
  BY: 'business year end',
  BYE: 'business year end',
  BAS: 'business year start',
  BYS: 'business year start',
  B: 'business day',
  C: 'custom business day',
  BH: 'business hour',
  CBH: 'custom business hour',
  WOM: 'week of month',
  LWOM: 'last week of month',
};

/** pandas' `to_offset` grammar for one offset: an optional signed (possibly fractional) count, a name, an optional anchor. */
const ALIAS = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)?)\s*([A-Za-z]+)(-[0-9A-Za-z-]+)?\s*$/;

/**
 * Reads `alias` as pandas does. pandas upper-cases every name except exactly `MS` (month start) and `ms`
 * (milliseconds), so `1MS` and `1ms` differ while `5Min`, `1d`, `10t` and `1H` all read as their
 * upper-case forms. Throws InvalidDataError naming the value when pandas would not read it.
 */
export function parsePandasFrequency(alias: string): PandasFrequency {
  const match = ALIAS.exec(alias);
  if (match === null) throw unreadable(alias);
  const [, countText = '', rawName = '', anchor] = match;
  const count = countText === '' || countText === '+' || countText === '-' ? Number(`${countText}1`) : Number(countText);
  const name = rawName === 'ms' ? 'L' : rawName === 'MS' ? 'MS' : rawName.toUpperCase();
  const fixed = FIXED_MS[name];
  if (fixed !== undefined && anchor === undefined) return { kind: 'fixed', alias, ms: count * fixed };
  const description = CALENDAR[name];
  if (description !== undefined && Number.isInteger(count)) return { kind: 'calendar', alias, count, description };
  throw unreadable(alias);
}

/**
 * A model's sampling period in whole milliseconds from its pandas alias. Calendar offsets (a month has
 * no fixed length), zero or negative counts and sub-millisecond periods are refused with InvalidDataError
 * naming the value and why.
 */
export function parsePandasResolution(alias: string): number {
  const frequency = parsePandasFrequency(alias);
  if (frequency.kind === 'calendar') {
    throw new InvalidDataError(
      `resolution "${alias}" is a calendar frequency (${frequency.description}) with no fixed length; ` +
        'a model resolution must be a fixed frequency such as 10T, 10min, 30S, 1H or 1D',
    );
  }
  if (!(frequency.ms > 0)) throw new InvalidDataError(`resolution "${alias}" must be longer than zero`);
  if (!Number.isInteger(frequency.ms)) throw new InvalidDataError(`resolution "${alias}" is not a whole number of milliseconds`);
  return frequency.ms;
}

function unreadable(alias: string): InvalidDataError {
  return new InvalidDataError(`"${alias}" is not a pandas frequency alias (such as 10T, 10min, 30S, 1H, 1D, 500L or 1MS)`);
}
