import type { StoredPredictionColumns, StoredPredictions } from '../../contracts/PredictionReader.js';

const DAY_MS = 86_400_000;

/** What the columns form writes besides the columns: the fields of the page's head, in this order. */
export interface PredictionColumnsHead {
  readonly project: string;
  readonly model: string;
  readonly revision: string | null;
  readonly tags: readonly string[];
}

/**
 * The body of `GET .../predictions?format=columns`: `head`, then the first `count` rows of `columns` as one JSON
 * array per field (outputs and contributions when asked for: one array per tag), then `next` when given; the
 * text JSON.stringify of the whole page gave (NaN and infinities as null, as the schema says). Per-tag values are
 * copied from the stored JSON text (transposeJsonArrays), times formatted without a Date per row (isoTimesJson):
 * a day at 10 s with 8 tags is 138,240 per-tag values, and parsing and formatting them again took most of the
 * route's time.
 */
export function predictionColumnsJson(
  head: PredictionColumnsHead,
  columns: StoredPredictionColumns,
  count: number,
  fields: { readonly outputs: boolean; readonly contributions: boolean },
  next?: string,
): Buffer {
  const cut = <T>(values: readonly T[]) => (values.length > count ? values.slice(0, count) : values);
  const width = head.tags.length;
  const text = (value: string) => Buffer.from(value);
  const pieces: Buffer[] = [
    text(
      `{"project":${JSON.stringify(head.project)},"model":${JSON.stringify(head.model)},` +
        `"revision":${head.revision === null ? 'null' : JSON.stringify(head.revision)},"tags":${JSON.stringify(head.tags)},` +
        `"time":${isoTimesJson(columns.timeMs, count)},"totalAnomaly":${JSON.stringify(cut(columns.totalAnomaly))},` +
        `"threshold":${JSON.stringify(cut(columns.threshold))},"isAnomaly":${JSON.stringify(cut(columns.isAnomaly))}`,
    ),
  ];
  const perTag = (name: string, rows: readonly string[]) => {
    const tagColumns = transposeJsonArrays(rows, width, count);
    pieces.push(text(`,"${name}":[`));
    tagColumns.forEach((column, t) => pieces.push(...(t === 0 ? [column] : [COMMA, column])));
    pieces.push(text(']'));
  };
  if (fields.outputs) perTag('outputs', columns.outputsJson);
  if (fields.contributions) perTag('contributions', columns.contributionsJson);
  pieces.push(text(next === undefined ? '}' : `,"next":${JSON.stringify(next)}}`));
  return Buffer.concat(pieces);
}

const COMMA = Buffer.from(',');

/** Characters of a JSON number (a "null" token is checked apart). */
const NUMBER_CHARS = new Uint8Array(128);
for (const c of '0123456789+-.eE') NUMBER_CHARS[c.charCodeAt(0)] = 1;

/**
 * The first `count` of `rows`, each a JSON array of numbers and nulls (`[1.5,null,2]`, as JSON.stringify writes
 * them), as `width` JSON arrays, position by position, in ASCII: each value's text is copied, not parsed and
 * formatted again. Positions a row lacks are null, those past `width` dropped; a row that is not such an array
 * (text no JSON.stringify of numbers writes) is parsed and written again, anything but numbers as null.
 * The rows are scanned and copied as the bytes of one buffer, which is faster than charCodeAt on each string
 * (a day at 10 s with 8 tags, both fields: 10.0 against 12.0 ms at best, on the shared 2-core machine).
 */
export function transposeJsonArrays(rows: readonly string[], width: number, count: number): Buffer[] {
  const n = Math.min(count, rows.length);
  const texts = rows.slice(0, n);
  let bytes = asciiBytes(texts);
  if (bytes === undefined) {
    // A character past ASCII is never part of a value: rows holding one are written again before the scan.
    for (let i = 0; i < n; i++) if (Buffer.byteLength(texts[i]!, 'utf8') !== texts[i]!.length) texts[i] = rewritten(texts[i]!);
    bytes = asciiBytes(texts)!;
  }
  // Where each value's text starts and ends in `bytes` (-1: the row has no value there).
  const starts = new Int32Array(n * width);
  const ends = new Int32Array(n * width);
  if (!findAllValues(bytes, texts, width, starts, ends)) {
    // findAllValues wrote the rows it refused again; the second scan finds what JSON.stringify wrote.
    bytes = asciiBytes(texts)!;
    findAllValues(bytes, texts, width, starts, ends);
  }
  const lengths = new Int32Array(width);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < width; t++) {
      const k = i * width + t;
      lengths[t] = lengths[t]! + (starts[k]! < 0 ? 4 : ends[k]! - starts[k]!);
    }
  }
  return Array.from(lengths, (length, t) => {
    const out = Buffer.allocUnsafe(length + Math.max(n - 1, 0) + 2);
    let at = 0;
    out[at++] = 91; // [
    for (let i = 0; i < n; i++) {
      if (i > 0) out[at++] = 44; // ,
      const k = i * width + t;
      const start = starts[k]!;
      if (start < 0) at = writeNull(out, at);
      else for (let j = start, end = ends[k]!; j < end; j++) out[at++] = bytes[j]!;
    }
    out[at] = 93; // ]
    return out;
  });
}

/** `texts` one after another as bytes; undefined when one holds a character past ASCII (bytes would not be characters). */
function asciiBytes(texts: readonly string[]): Buffer | undefined {
  const joined = texts.join('');
  const bytes = Buffer.from(joined, 'utf8');
  return bytes.length === joined.length ? bytes : undefined;
}

/** A row that is not a flat array of numbers and nulls, parsed and written again (anything but numbers as null). */
function rewritten(text: string): string {
  const values: unknown = JSON.parse(text);
  return JSON.stringify(Array.isArray(values) ? values.map((v) => (typeof v === 'number' ? v : null)) : []);
}

/**
 * findValues for each of `texts`, laid out one after another in `bytes`. A row it refuses is written again in
 * `texts` (rewritten), and the result is false: `bytes` no longer holds `texts` and the scan must be redone.
 */
function findAllValues(bytes: Buffer, texts: string[], width: number, starts: Int32Array, ends: Int32Array): boolean {
  starts.fill(-1);
  let valid = true;
  let from = 0;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    if (!findValues(bytes, from, from + text.length, width, starts, ends, i * width)) {
      texts[i] = rewritten(text);
      valid = false;
    }
    from += text.length;
  }
  return valid;
}

function writeNull(out: Buffer, at: number): number {
  out[at] = 110; // n
  out[at + 1] = 117; // u
  out[at + 2] = 108; // l
  out[at + 3] = 108; // l
  return at + 4;
}

/**
 * The bounds of the first `width` values of `bytes[from, to)`, a flat JSON array of numbers and nulls without
 * spaces, into `starts` and `ends` from `base`; false when it is not such an array.
 */
function findValues(
  bytes: Uint8Array,
  from: number,
  to: number,
  width: number,
  starts: Int32Array,
  ends: Int32Array,
  base: number,
): boolean {
  const last = to - 1;
  if (last <= from || bytes[from] !== 91 || bytes[last] !== 93) return false;
  if (last === from + 1) return true; // []
  let t = 0;
  let start = from + 1;
  for (let j = from + 1; j <= last; j++) {
    const c = bytes[j]!;
    if (c !== 44 && c !== 93) {
      if (NUMBER_CHARS[c] !== 1) {
        if (j !== start || !isNull(bytes, j, last)) return false;
        j += 3; // past the "null" token
      }
      continue;
    }
    if (j === start || (c === 93 && j !== last)) return false; // an empty value, or a ']' before the end
    if (t < width) {
      starts[base + t] = start;
      ends[base + t] = j;
    }
    t++;
    start = j + 1;
  }
  return true;
}

/** Whether `bytes[j, j + 4)` is "null" followed by ',' or ']' at or before `last`. */
function isNull(bytes: Uint8Array, j: number, last: number): boolean {
  if (j + 4 > last || bytes[j] !== 110 || bytes[j + 1] !== 117 || bytes[j + 2] !== 108 || bytes[j + 3] !== 108) return false;
  const after = bytes[j + 4];
  return after === 44 || after === 93;
}

/**
 * The first `count` times as a JSON array of `Date.prototype.toISOString` strings. One Date per day rather than
 * per row (a day at 10 s is 8,640 rows): the date part is the day's, the clock is arithmetic on the ms in the day.
 */
export function isoTimesJson(timesMs: readonly number[], count: number): string {
  const parts = new Array<string>(Math.min(count, timesMs.length));
  let dayStartMs = NaN;
  let datePart = '';
  for (let i = 0; i < parts.length; i++) {
    const t = timesMs[i]!;
    if (!Number.isInteger(t)) {
      parts[i] = JSON.stringify(new Date(t).toISOString()); // throws RangeError for NaN, as toISOString does
      continue;
    }
    const day = Math.floor(t / DAY_MS) * DAY_MS;
    if (day !== dayStartMs) {
      const text = new Date(day).toISOString();
      dayStartMs = day;
      datePart = text.slice(0, text.indexOf('T') + 1);
    }
    parts[i] = `"${datePart}${clock(t - day)}Z"`;
  }
  return `[${parts.join(',')}]`;
}

/** `HH:MM:SS.mmm` of `ms` (0 <= ms < one day, whole). */
function clock(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const milli = ms % 1000;
  return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}`;
}

/** StoredPredictions as columns, for readers without readPredictionColumns. */
export function predictionColumnsOfRows(stored: StoredPredictions): StoredPredictionColumns {
  const { rows } = stored;
  return {
    project: stored.project,
    model: stored.model,
    revision: stored.revision,
    tagNames: stored.tagNames,
    timeMs: rows.map((r) => r.timeMs),
    totalAnomaly: rows.map((r) => r.totalAnomaly),
    threshold: rows.map((r) => r.threshold),
    isAnomaly: rows.map((r) => r.isAnomaly),
    // Array.from: a model may hand over a typed array, which JSON.stringify writes as an object.
    outputsJson: rows.map((r) => JSON.stringify(Array.from(r.outputs))),
    contributionsJson: rows.map((r) => JSON.stringify(Array.from(r.contributions))),
  };
}
