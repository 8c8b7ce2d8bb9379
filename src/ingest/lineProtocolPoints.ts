import { ChunkBuilder, type ParsedChunk } from './ParsedChunk.js';
import { PlainLines } from './plainLines.js';

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
  const parser = new LineProtocolParser(options);
  for await (const chunk of input) yield* parser.push(chunk);
  yield* parser.end();
}

/**
 * The line-protocol reading of `lineProtocolPoints`, fed piece by piece: `push` answers the chunks the
 * piece completed, `end` the rest. Push-based so a worker thread can run it on the pieces it is sent
 * (LineProtocolWorkerPool) as well as the generator on a stream.
 */
export class LineProtocolParser {
  private readonly builder: ChunkBuilder;
  private readonly precision: LinePrecision;
  private readonly sensorTag: string;
  private readonly prefix: string;
  private line: number;
  private offset: number;
  private carry: Buffer | undefined;
  private skippingLongLine = false;
  private readonly series = new SeriesCache();
  private readonly plain: PlainLines;

  constructor(private readonly options: LineProtocolOptions) {
    this.builder = new ChunkBuilder(options.batchPoints);
    this.precision = options.precision ?? 'ns';
    this.sensorTag = options.sensorTag ?? 'tag';
    this.prefix = options.tagPrefix ?? '';
    const sensorTag = this.sensorTag;
    this.plain = new PlainLines(
      { dropDigits: Math.max(0, NS_DIGITS[this.precision]), unitMs: WHOLE_UNIT_MS[this.precision] },
      this.prefix,
      (key) => sensorOfSeriesKey(key, sensorTag),
    );
    this.line = options.resume?.lineOffset ?? 0;
    this.offset = options.resume?.byteOffset ?? 0;
  }

  /** Reads the complete lines of `chunk` (the rest is kept for the next); answers the chunks filled meanwhile. */
  push(chunk: Buffer): ParsedChunk[] {
    const out: ParsedChunk[] = [];
    const builder = this.builder;
    const buf = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = undefined;
    let start = 0;
    for (;;) {
      const end = buf.indexOf(10, start);
      if (end < 0) break;
      this.line++;
      if (this.skippingLongLine) this.skippingLongLine = false;
      else if (end - start > MAX_LINE_BYTES) tooLong(builder, this.line);
      else {
        const lineEnd = end > start && buf[end - 1] === 13 ? end - 1 : end;
        if (!this.plain.read(buf, start, lineEnd, builder)) {
          const text = buf.toString('utf8', start, lineEnd);
          if (isContent(text)) this.parseLine(text);
        }
      }
      this.offset += end - start + 1;
      start = end + 1;
      if (builder.full) out.push(builder.take(this.offset, this.line));
    }
    if (start < buf.length) {
      if (buf.length - start > MAX_LINE_BYTES) {
        // Keep none of an endless line: count it rejected once, skip to its end.
        if (!this.skippingLongLine) tooLong(builder, this.line + 1);
        this.skippingLongLine = true;
        this.offset += buf.length - start;
      } else this.carry = buf.subarray(start);
    }
    return out;
  }

  /** The input ended: reads its last line (without a newline) and answers what is left. */
  end(): ParsedChunk[] {
    const carry = this.carry;
    this.carry = undefined;
    if (carry !== undefined && !this.skippingLongLine) {
      this.line++;
      const text = carry.toString('utf8');
      if (isContent(text)) this.parseLine(text.endsWith('\r') ? text.slice(0, -1) : text);
      this.offset += carry.length;
    } else if (this.skippingLongLine) this.line++;
    return this.builder.empty ? [] : [this.builder.take(this.offset, this.line)];
  }

  private parseLine(text: string): void {
    this.builder.row();
    readLine(text, this.line, this.builder, this.precision, this.sensorTag, this.prefix, this.options.now, this.series);
  }
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

/** Where the last `scan` stopped: a module variable rather than a result object per call (four calls a line). */
let scanEnd = 0;

/**
 * Reads up to an unescaped comma or space (or `=` when `stopAtEquals`), setting `scanEnd`; a backslash
 * escapes the next character if it is one of `escapable`. Without a backslash (nearly every line) the
 * value is one slice.
 */
function scan(text: string, from: number, stopAtEquals: boolean, escapable: string): string {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === SPACE || (stopAtEquals && c === EQUALS)) break;
    if (c === BACKSLASH) return scanEscaped(text, from, stopAtEquals, escapable);
  }
  scanEnd = i;
  return text.slice(from, i);
}

function scanEscaped(text: string, from: number, stopAtEquals: boolean, escapable: string): string {
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
  scanEnd = i;
  return value + text.slice(plainFrom, i);
}

/**
 * Sensor names by series key (the line's text before its first space: measurement and tags), for one
 * input. A feed repeats a few series key texts over and over, so each is scanned for its tags once; keys
 * with a backslash are not kept (scanned every time). Bounded: cleared when full.
 */
class SeriesCache {
  private readonly sensorBases = new Map<string, string>();

  get(key: string): string | undefined {
    return this.sensorBases.get(key);
  }

  set(key: string, sensorBase: string): void {
    if (this.sensorBases.size >= 10_000) this.sensorBases.clear();
    this.sensorBases.set(key, sensorBase);
  }
}

/**
 * The sensor a series key (measurement and tags, without a backslash) names, read as `readLine` reads the
 * start of a line; undefined when readLine would reject it.
 */
function sensorOfSeriesKey(key: string, sensorTag: string): string | undefined {
  const measurement = scan(key, 0, false, ', ');
  if (measurement === '') return undefined;
  let i = scanEnd;
  let sensorBase = measurement;
  while (key.charCodeAt(i) === COMMA) {
    const tagKey = scan(key, i + 1, true, ',= ');
    if (key.charCodeAt(scanEnd) !== EQUALS || tagKey === '') return undefined;
    const value = scan(key, scanEnd + 1, false, ',= ');
    if (value === '') return undefined;
    if (tagKey === sensorTag) sensorBase = value;
    i = scanEnd;
  }
  return i === key.length ? sensorBase : undefined;
}

/** The fields of the line being read (reused: readLine runs to completion, one line at a time). */
const fieldNames: string[] = [];
const fieldValues: number[] = [];
const fieldSensors: string[] = [];

function readLine(
  text: string,
  line: number,
  into: ChunkBuilder,
  precision: LinePrecision,
  sensorTag: string,
  prefix: string,
  now: () => number,
  series: SeriesCache,
): void {
  let i = 0;
  while (text[i] === ' ' || text[i] === '\t') i++;
  const keyEnd = plainSeriesKeyEnd(text, i);
  const key = keyEnd < 0 ? undefined : text.slice(i, keyEnd);
  let sensorBase = key === undefined ? undefined : series.get(key);
  if (sensorBase !== undefined) i = keyEnd;
  else {
    const measurement = scan(text, i, false, ', ');
    if (measurement === '') return into.reject({ line, column: 'measurement', reason: 'missing measurement' });
    i = scanEnd;
    sensorBase = measurement;
    while (text.charCodeAt(i) === COMMA) {
      const tagKey = scan(text, i + 1, true, ',= ');
      if (text.charCodeAt(scanEnd) !== EQUALS || tagKey === '') return into.reject({ line, column: 'tags', reason: 'invalid tag format' });
      const value = scan(text, scanEnd + 1, false, ',= ');
      if (value === '') return into.reject({ line, column: `tag ${tagKey}`, reason: 'missing tag value' });
      if (tagKey === sensorTag) sensorBase = value;
      i = scanEnd;
    }
    // The scan stops at the key's end only if the key reads well; anything else is not kept.
    if (key !== undefined && i === keyEnd) series.set(key, sensorBase);
  }
  if (text.charCodeAt(i) !== SPACE) return into.reject({ line, column: 'fields', reason: 'missing fields' });
  while (text.charCodeAt(i) === SPACE) i++;
  fieldNames.length = 0;
  fieldValues.length = 0;
  for (;;) {
    const key = scan(text, i, true, ',= ');
    if (text.charCodeAt(scanEnd) !== EQUALS || key === '') return into.reject({ line, column: 'fields', reason: 'missing fields' });
    const from = scanEnd + 1;
    let end = from;
    if (text[from] === '"') return into.reject({ line, column: `field ${key}`, reason: 'a string field cannot be a sensor value' });
    while (end < text.length && text.charCodeAt(end) !== COMMA && text.charCodeAt(end) !== SPACE) end++;
    const value = fieldValue(text.slice(from, end));
    if (typeof value === 'string') return into.reject({ line, column: `field ${key}`, reason: value });
    if (key !== 'time') {
      // InfluxDB drops a field named time too
      fieldNames.push(key);
      fieldValues.push(value);
    }
    i = end;
    if (text.charCodeAt(i) !== COMMA) break;
    i++;
  }
  while (text.charCodeAt(i) === SPACE) i++;
  let timeMs = i === text.length ? now() : digitsToMs(text, i, precision);
  if (timeMs === undefined) {
    // Not plain digits to the end: the general reading (surrounding whitespace trimmed), and its message.
    const stamp = text.slice(i).trim();
    if (stamp === '') timeMs = now();
    else {
      timeMs = toMs(stamp, precision);
      if (timeMs === undefined)
        return into.reject({ line, column: 'timestamp', reason: `${JSON.stringify(stamp.slice(0, 40))} is not a ${precision} timestamp` });
    }
  }
  fieldSensors.length = 0;
  for (const field of fieldNames) {
    const sensor = prefix + (field === 'value' ? sensorBase : `${sensorBase}.${field}`);
    const problem = into.nameProblem(sensor);
    if (problem !== undefined) return into.reject({ line, column: 'tags', reason: problem });
    fieldSensors.push(sensor);
  }
  for (let f = 0; f < fieldSensors.length; f++) into.add(fieldSensors[f]!, timeMs, fieldValues[f]!);
}

/** Where the series key starting at `from` ends (its first space), or -1 when it holds a backslash or no space. */
function plainSeriesKeyEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === SPACE) return i;
    if (c === BACKSLASH) return -1;
  }
  return -1;
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
  if (!Number.isFinite(v) || !startsLikeANumber(text)) return `${JSON.stringify(text.slice(0, 40))} is not a number`;
  return v;
}

/** `/^[-+]?(\d|\.\d)/` without a regular expression (this runs once a field): Number() alone would also take `0x1f`, ` 1` or `Infinity`. */
function startsLikeANumber(text: string): boolean {
  let i = 0;
  if (text.charCodeAt(i) === 45 || text.charCodeAt(i) === 43) i++; // '-', '+'
  if (text.charCodeAt(i) === 46) i++; // '.': then a digit must follow
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/**
 * `text` from `from` to its end read as toMs reads it, when that is an optional minus and digits; else
 * undefined (the caller then tries toMs on the trimmed rest, for its answer and message). No slices or
 * regular expressions: this runs once a line.
 */
function digitsToMs(text: string, from: number, precision: LinePrecision): number | undefined {
  const to = text.length;
  const negative = text.charCodeAt(from) === 45; // '-'
  const first = negative ? from + 1 : from;
  if (first >= to) return undefined;
  for (let k = first; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) return undefined;
  }
  const drop = NS_DIGITS[precision];
  if (drop <= 0) return toMs(text.slice(from), precision);
  const headEnd = to - drop;
  let head = 0;
  for (let k = first; k < headEnd; k++) head = head * 10 + (text.charCodeAt(k) - 48);
  let rest = false;
  for (let k = Math.max(first, headEnd); k < to && !rest; k++) rest = text.charCodeAt(k) !== 48;
  const ms = negative ? -(head + (rest ? 1 : 0)) : head;
  return Number.isSafeInteger(ms) && Math.abs(ms) <= 8.64e15 ? ms : undefined;
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
