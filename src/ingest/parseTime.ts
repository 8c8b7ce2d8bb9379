import { DateTime, IANAZone } from 'luxon';

/**
 * How a column of times is read. `auto` decides from the first value: digits are epoch seconds,
 * milliseconds, microseconds or nanoseconds by size; ISO 8601 (`2026-01-01T00:00:00Z`, also with a space
 * and without seconds or an offset), `YYYY/MM/DD hh:mm[:ss]` and day-first `DD.MM.YYYY hh:mm[:ss]` (test-bench
 * exports) are read as such; any other text needs an explicit luxon format (`dd/MM/yyyy HH:mm`).
 * Times without an offset are in `timezone` (IANA name, default UTC). Finer than milliseconds is truncated.
 */
export type TimeFormat = 'auto' | NamedTimeFormat | { luxon: string };

/** The formats `auto` can detect, by name (`ymd_slashed`: 2026/01/31 12:00, `dmy_dotted`: 31.01.2026 12:00). */
export const namedTimeFormats = ['iso', 'epoch_s', 'epoch_ms', 'epoch_us', 'epoch_ns', 'ymd_slashed', 'dmy_dotted'] as const;
export type NamedTimeFormat = (typeof namedTimeFormats)[number];

/** `--time-format` / `time_format`: a named format, `auto`, or else a luxon pattern. */
export function toTimeFormat(text: string | undefined): TimeFormat {
  if (text === undefined || text === 'auto') return 'auto';
  return (namedTimeFormats as readonly string[]).includes(text) ? (text as NamedTimeFormat) : { luxon: text };
}

export type TimeParser = (text: string) => number | undefined;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const SLASHED = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?$/;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?$/;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+\.\d+$/;

/** Checks a time zone name; returns why it is not one, or undefined. */
export function timezoneProblem(zone: string): string | undefined {
  return IANAZone.isValidZone(zone) ? undefined : `"${zone}" is not an IANA time zone (e.g. Europe/Oslo, UTC)`;
}

/**
 * A parser for `format`; with `auto`, the format is fixed by the first value that parses (so a column is
 * read one way throughout) and `describe()` says which.
 */
export function timeParser(
  format: TimeFormat,
  timezone = 'UTC',
  /** `auto` judges every value on its own (JSON, where one element may send epoch numbers and the next ISO text). */
  perValue = false,
): TimeParser & { describe(): string; format(): TimeFormat } {
  const local = localTimeToMs(timezone);
  let chosen: TimeParser | undefined;
  let name = typeof format === 'string' ? format : `luxon "${format.luxon}"`;
  if (format !== 'auto') chosen = fixedParser(format, local, timezone);
  const parse = ((text: string) => {
    const value = text.trim();
    if (chosen !== undefined) return chosen(value);
    const detected = detect(value);
    if (detected === undefined) return undefined;
    name = detected;
    const parser = fixedParser(detected, local, timezone);
    if (!perValue) chosen = parser;
    return parser(value);
  }) as TimeParser & { describe(): string; format(): TimeFormat };
  parse.describe = () => name;
  // The format now in use (after `auto` met its first value), to read a resumed file the same way.
  parse.format = () =>
    chosen === undefined
      ? format
      : typeof format === 'string' && format !== 'auto'
        ? format
        : format === 'auto'
          ? (name as NamedTimeFormat)
          : format;
  return parse;
}

function detect(value: string): NamedTimeFormat | undefined {
  if (INTEGER.test(value)) {
    const digits = value.replace('-', '').length;
    return digits <= 11 ? 'epoch_s' : digits <= 14 ? 'epoch_ms' : digits <= 17 ? 'epoch_us' : 'epoch_ns';
  }
  if (DECIMAL.test(value)) return 'epoch_s';
  if (ISO.test(value)) return 'iso';
  if (SLASHED.test(value)) return 'ymd_slashed';
  if (DOTTED.test(value)) return 'dmy_dotted';
  return undefined;
}

type Local = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => number | undefined;

function fixedParser(format: TimeFormat, local: Local, timezone: string): TimeParser {
  switch (format) {
    case 'epoch_s':
      return (v) => (INTEGER.test(v) || DECIMAL.test(v) ? checked(Math.floor(Number(v) * 1000)) : undefined);
    case 'epoch_ms':
      return (v) => (INTEGER.test(v) ? checked(Number(v)) : undefined);
    case 'epoch_us':
      return (v) => (INTEGER.test(v) ? truncateDigits(v, 3) : undefined);
    case 'epoch_ns':
      return (v) => (INTEGER.test(v) ? truncateDigits(v, 6) : undefined);
    case 'iso':
      return (v) => {
        const m = ISO.exec(v);
        if (!m) return undefined;
        const [y, mo, d, h, mi, s, ms] = fields(m, [1, 2, 3, 4, 5, 6, 7]);
        const zone = m[8];
        if (zone === undefined) return local(y, mo, d, h, mi, s, ms);
        const utc = utcMs(y, mo, d, h, mi, s, ms);
        if (utc === undefined) return undefined;
        if (zone === 'Z' || zone === 'z') return utc;
        const sign = zone[0] === '-' ? -1 : 1;
        const digits = zone.slice(1).replace(':', '');
        const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
        return utc - sign * offset * 60_000;
      };
    case 'ymd_slashed':
      return (v) => {
        const m = SLASHED.exec(v);
        return m ? local(...fields(m, [1, 2, 3, 4, 5, 6, 7])) : undefined;
      };
    case 'dmy_dotted':
      return (v) => {
        const m = DOTTED.exec(v);
        return m ? local(...fields(m, [3, 2, 1, 4, 5, 6, 7])) : undefined;
      };
    case 'auto':
      throw new Error('auto is resolved before');
    default: {
      const pattern = format.luxon;
      return (v) => {
        const t = DateTime.fromFormat(v, pattern, { zone: timezone });
        return t.isValid ? t.toMillis() : undefined;
      };
    }
  }
}

function fields(m: RegExpExecArray, order: readonly number[]): [number, number, number, number, number, number, number] {
  const n = (i: number) => Number(m[order[i]!] ?? 0);
  const fraction = m[order[6]!];
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  return [n(0), n(1), n(2), n(3), n(4), n(5), ms];
}

/** Epoch ms of a UTC calendar time, or undefined when a field is out of range (month 13, Feb 30). */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  if (back.getUTCDate() !== d && !(h === 24 && mi === 0 && s === 0)) return undefined;
  return checked(t);
}

/** Local calendar times in `timezone`: UTC directly; elsewhere through luxon, with the offset of each hour remembered. */
function localTimeToMs(timezone: string): Local {
  if (timezone === 'UTC' || timezone === 'Etc/UTC') return utcMs;
  const zone = new IANAZone(timezone);
  return (y, mo, d, h, mi, s, ms) => {
    const asUtc = utcMs(y, mo, d, h, mi, s, ms);
    if (asUtc === undefined) return undefined;
    const t = DateTime.fromObject({ year: y, month: mo, day: d, hour: h, minute: mi, second: s, millisecond: ms }, { zone });
    return t.isValid ? t.toMillis() : asUtc - zone.offset(asUtc) * 60_000;
  };
}

/** An integer string divided by 10^digits, rounded toward minus infinity, without losing precision on 19-digit nanoseconds. */
function truncateDigits(v: string, digits: number): number | undefined {
  const negative = v.startsWith('-');
  const abs = negative ? v.slice(1) : v;
  if (abs.length <= digits) return negative && /[1-9]/.test(abs) ? -1 : 0;
  const whole = Number(abs.slice(0, abs.length - digits));
  const rest = /[1-9]/.test(abs.slice(abs.length - digits));
  return checked(negative ? -(whole + (rest ? 1 : 0)) : whole);
}

/** Times JavaScript dates can hold (±8.64e15 ms). */
function checked(t: number): number | undefined {
  return Number.isSafeInteger(t) && Math.abs(t) <= 8.64e15 ? t : undefined;
}
