import { ChunkBuilder, type ParsedChunk } from './ParsedChunk.js';

export type LinePrecision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

export interface LineProtocolOptions {
  /** Unit of the timestamps (InfluxDB's `precision`; `n` and `u` are read as ns and us). Default ns. */
  precision?: LinePrecision;
  /** The tag key whose value names the sensor; without it the measurement does. Default `tag`. */
  sensorTag?: string;
  /** Put before each sensor name. */
  tagPrefix?: string;
  batchPoints: number;
  /** A line without a timestamp gets this time (the server's clock at receipt, as InfluxDB does). */
  now: () => number;
  resume?: { lineOffset: number; byteOffset: number };
}

/** Longest line read; a longer one is rejected without being held whole. */
const MAX_LINE_BYTES = 1024 * 1024;
const NS_DIGITS: Record<LinePrecision, number> = { ns: 6, us: 3, ms: 0, s: -3, m: -3, h: -3 };
const WHOLE_UNIT_MS: Record<LinePrecision, number> = { ns: 1, us: 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `n`, `ns`, `u`, `us`, `µ`, `ms`, `s`, `m`, `h` as InfluxDB 1.x reads `precision`; undefined for anything else. */
export function toPrecision(text: string | undefined): LinePrecision | undefined {
  if (text === undefined || text === '' || text === 'n' || text === 'ns') return 'ns';
  if (text === 'u' || text === 'us' || text === 'µ') return 'us';
  return (['ms', 's', 'm', 'h'] as const).find((p) => p === text);
}

/**
 * Streams InfluxDB line protocol (`measurement[,k=v...] field=value[,...] [timestamp]`, the escaping of
 * InfluxDB 1.x) into chunks of points. Each numeric field is a point: the sensor is the value of the
 * `sensorTag` tag (else the measurement), with `.<field>` appended unless the field is `value`. Integers
 * (`1i`, `1u`) and booleans become numbers; a string field is rejected. Timestamps finer than milliseconds
 * are truncated. Blank lines and `#` comments are skipped.
 */
export async function* lineProtocolPoints(input: AsyncIterable<Buffer>, options: LineProtocolOptions): AsyncGenerator<ParsedChunk> {
  const builder = new ChunkBuilder(options.batchPoints);
  const precision = options.precision ?? 'ns';
  const sensorTag = options.sensorTag ?? 'tag';
  const prefix = options.tagPrefix ?? '';
  let line = options.resume?.lineOffset ?? 0;
  let offset = options.resume?.byteOffset ?? 0;
  let carry: Buffer | undefined;
  let skippingLongLine = false;
  const parseLine = (text: string) => {
    builder.row();
    readLine(text, line, builder, precision, sensorTag, prefix, options.now);
  };
  for await (const chunk of input) {
    const buf = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    carry = undefined;
    let start = 0;
    for (;;) {
      const end = buf.indexOf(10, start);
      if (end < 0) break;
      line++;
      if (skippingLongLine) skippingLongLine = false;
      else if (end - start > MAX_LINE_BYTES) tooLong(builder, line);
      else {
        const text = buf.toString('utf8', start, end > start && buf[end - 1] === 13 ? end - 1 : end);
        if (isContent(text)) parseLine(text);
      }
      offset += end - start + 1;
      start = end + 1;
      if (builder.full) yield builder.take(offset, line);
    }
    if (start < buf.length) {
      if (buf.length - start > MAX_LINE_BYTES) {
        // Keep none of an endless line: count it rejected once, skip to its end.
        if (!skippingLongLine) tooLong(builder, line + 1);
        skippingLongLine = true;
        offset += buf.length - start;
      } else carry = buf.subarray(start);
    }
  }
  if (carry !== undefined && !skippingLongLine) {
    line++;
    const text = carry.toString('utf8');
    if (isContent(text)) parseLine(text.endsWith('\r') ? text.slice(0, -1) : text);
    offset += carry.length;
  } else if (skippingLongLine) line++;
  if (!builder.empty) yield builder.take(offset, line);
}

function tooLong(builder: ChunkBuilder, line: number): void {
  builder.row();
  builder.reject({ line, reason: `the line is longer than ${MAX_LINE_BYTES} bytes` });
}

function isContent(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) continue;
    return c !== 35; // '#'
  }
  return false;
}

const COMMA = 44;
const SPACE = 32;
const EQUALS = 61;
const BACKSLASH = 92;

/**
 * Reads up to an unescaped comma or space (or `=` when `stopAtEquals`); a backslash escapes the next
 * character if it is one of `escapable`. Without a backslash (nearly every line) the value is one slice.
 */
function scan(text: string, from: number, stopAtEquals: boolean, escapable: string): { value: string; end: number } {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === SPACE || (stopAtEquals && c === EQUALS)) return { value: text.slice(from, i), end: i };
    if (c === BACKSLASH) return scanEscaped(text, from, stopAtEquals, escapable);
  }
  return { value: text.slice(from, i), end: i };
}

function scanEscaped(text: string, from: number, stopAtEquals: boolean, escapable: string): { value: string; end: number } {
  let value = '';
  let i = from;
  let plainFrom = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < text.length && escapable.includes(text[i + 1]!)) {
      value += text.slice(plainFrom, i) + text[i + 1]!;
      i++;
      plainFrom = i + 1;
      continue;
    }
    if (c === COMMA || c === SPACE || (stopAtEquals && c === EQUALS)) break;
  }
  return { value: value + text.slice(plainFrom, i), end: i };
}

function readLine(
  text: string,
  line: number,
  into: ChunkBuilder,
  precision: LinePrecision,
  sensorTag: string,
  prefix: string,
  now: () => number,
): void {
  let i = 0;
  while (text[i] === ' ' || text[i] === '\t') i++;
  const measurement = scan(text, i, false, ', ');
  if (measurement.value === '') return into.reject({ line, column: 'measurement', reason: 'missing measurement' });
  i = measurement.end;
  let sensorBase = measurement.value;
  while (text[i] === ',') {
    const key = scan(text, i + 1, true, ',= ');
    if (text[key.end] !== '=' || key.value === '') return into.reject({ line, column: 'tags', reason: 'invalid tag format' });
    const value = scan(text, key.end + 1, false, ',= ');
    if (value.value === '') return into.reject({ line, column: `tag ${key.value}`, reason: 'missing tag value' });
    if (key.value === sensorTag) sensorBase = value.value;
    i = value.end;
  }
  if (text[i] !== ' ') return into.reject({ line, column: 'fields', reason: 'missing fields' });
  while (text[i] === ' ') i++;
  const fields: [string, number][] = [];
  for (;;) {
    const key = scan(text, i, true, ',= ');
    if (text[key.end] !== '=' || key.value === '') return into.reject({ line, column: 'fields', reason: 'missing fields' });
    const from = key.end + 1;
    let end = from;
    if (text[from] === '"') return into.reject({ line, column: `field ${key.value}`, reason: 'a string field cannot be a sensor value' });
    while (end < text.length && text[end] !== ',' && text[end] !== ' ') end++;
    const value = fieldValue(text.slice(from, end));
    if (typeof value === 'string') return into.reject({ line, column: `field ${key.value}`, reason: value });
    if (key.value !== 'time') fields.push([key.value, value]); // InfluxDB drops a field named time too
    i = end;
    if (text[i] !== ',') break;
    i++;
  }
  while (text[i] === ' ') i++;
  const stamp = text.slice(i).trim();
  let timeMs: number;
  if (stamp === '') timeMs = now();
  else {
    const t = toMs(stamp, precision);
    if (t === undefined)
      return into.reject({ line, column: 'timestamp', reason: `${JSON.stringify(stamp.slice(0, 40))} is not a ${precision} timestamp` });
    timeMs = t;
  }
  for (const [field] of fields) {
    const sensor = prefix + (field === 'value' ? sensorBase : `${sensorBase}.${field}`);
    const problem = into.nameProblem(sensor);
    if (problem !== undefined) return into.reject({ line, column: 'tags', reason: problem });
  }
  for (const [field, value] of fields) into.add(prefix + (field === 'value' ? sensorBase : `${sensorBase}.${field}`), timeMs, value);
}

function fieldValue(text: string): number | string {
  if (text === '') return 'missing field value';
  const last = text[text.length - 1];
  if (last === 'i' || last === 'u') {
    const digits = text.slice(0, -1);
    if (!/^-?\d+$/.test(digits)) return `${JSON.stringify(text)} is not an integer`;
    return Number(digits);
  }
  switch (text) {
    case 't':
    case 'T':
    case 'true':
    case 'True':
    case 'TRUE':
      return 1;
    case 'f':
    case 'F':
    case 'false':
    case 'False':
    case 'FALSE':
      return 0;
  }
  const v = Number(text);
  if (!Number.isFinite(v) || !/^[-+]?(\d|\.\d)/.test(text)) return `${JSON.stringify(text.slice(0, 40))} is not a number`;
  return v;
}

/** An integer timestamp in `precision` as epoch ms, truncated toward minus infinity; undefined when not one. */
function toMs(stamp: string, precision: LinePrecision): number | undefined {
  if (!/^-?\d+$/.test(stamp)) return undefined;
  const drop = NS_DIGITS[precision];
  let ms: number;
  if (drop > 0) {
    const negative = stamp.startsWith('-');
    const abs = negative ? stamp.slice(1) : stamp;
    const head = abs.length > drop ? Number(abs.slice(0, abs.length - drop)) : 0;
    const rest = /[1-9]/.test(abs.slice(Math.max(0, abs.length - drop)));
    ms = negative ? -(head + (rest ? 1 : 0)) : head;
  } else ms = Number(stamp) * WHOLE_UNIT_MS[precision];
  return Number.isSafeInteger(ms) && Math.abs(ms) <= 8.64e15 ? ms : undefined;
}
