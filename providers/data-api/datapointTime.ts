/**
 * The API writes times as RFC 3339 UTC with up to 7 fractional digits (`2024-05-01T10:00:05.4200000Z`,
 * 100 ns ticks). Frames and the resampler work in epoch milliseconds, so a time is kept to the millisecond,
 * rounded down (a point stays in the bucket its exact time falls in); `subMillisecond` tells the caller the
 * digits beyond were not zero, so it can count what was truncated rather than lose it silently.
 */
export function parseDatapointTime(text: string): { ms: number; subMillisecond: boolean } {
  return { ms: datapointMs(text), subMillisecond: hasSubMillisecond(text) };
}

/** The time in epoch milliseconds (rounded down), NaN when unreadable. The allocation-free form for hot loops. */
export function datapointMs(text: string): number {
  const ms = canonicalMs(text);
  return ms === undefined ? parseGeneral(text) : ms;
}

/** True when the fraction has non-zero digits beyond the millisecond. */
export function hasSubMillisecond(text: string): boolean {
  const dot = text.indexOf('.', 19);
  if (dot < 0) return false;
  for (let i = dot + 4; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (d !== 0) return true;
  }
  return false;
}

/**
 * The API's own shape, `YYYY-MM-DDThh:mm:ss[.fffffff]Z`, read by character codes: a read of a 9,000-model
 * cycle parses millions of these. The day is converted once and reused while points stay on it.
 * Undefined for anything else (offsets, out-of-range fields), which the general parser then handles.
 */
let cachedDay = '';
let cachedDayMs = Number.NaN;

function canonicalMs(text: string): number | undefined {
  const n = text.length;
  if (
    n < 20 ||
    text.charCodeAt(n - 1) !== 90 /* Z */ ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 /* : */
  )
    return undefined;
  const day = text.slice(0, 10);
  if (day !== cachedDay) {
    const parsed = /^(\d{4})-(\d\d)-(\d\d)$/.exec(day);
    const month = Number(parsed?.[2]);
    const date = Number(parsed?.[3]);
    if (!parsed || month < 1 || month > 12 || date < 1 || date > daysIn(Number(parsed[1]), month)) return undefined;
    cachedDayMs = Date.UTC(Number(parsed[1]), month - 1, date);
    cachedDay = day;
  }
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (!(hour <= 23 && minute <= 59 && second <= 59)) return undefined;
  let ms = cachedDayMs + ((hour * 60 + minute) * 60 + second) * 1000;
  if (n > 20) {
    if (text.charCodeAt(19) !== 46 /* . */) return undefined;
    for (let i = 20, scale = 100; i < n - 1; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      ms += d * scale;
      scale = scale >= 10 ? scale / 10 : 0;
    }
  }
  return ms;
}

/** Two decimal digits at `i`, or NaN. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseGeneral(text: string): number {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi, s, fraction = '', zone] = match;
  if (
    Number(mo) < 1 ||
    Number(mo) > 12 ||
    Number(d) < 1 ||
    Number(d) > daysIn(Number(y), Number(mo)) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    return Number.NaN;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6))) * 60_000;
  }
  return ms;
}

/** RFC 3339 UTC with milliseconds, as the API expects on input. */
export function formatDatapointTime(ms: number): string {
  return new Date(ms).toISOString();
}
