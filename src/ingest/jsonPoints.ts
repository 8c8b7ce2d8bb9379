import { StringDecoder } from 'node:string_decoder';
import { ChunkBuilder, type ParsedChunk } from './ParsedChunk.js';
import { IngestInputError } from './IngestInputError.js';
import { timeParser, type TimeFormat } from './parseTime.js';

export interface JsonOptions {
  timeFormat?: TimeFormat;
  timezone?: string;
  tagPrefix?: string;
  batchPoints: number;
}

/** Longest single element (one object of the array); a longer one is refused. */
const MAX_ELEMENT_CHARS = 16 * 1024 * 1024;

/**
 * Streams JSON points: an array (or newline-delimited sequence) of long elements `{"tag","time","value"}`
 * and wide elements `{"time", "values": {"<tag>": value}}`, or one wide object. Elements are cut out of the
 * stream by a small scanner and parsed one at a time, so only one element is ever held. A bad element is
 * rejected naming its index and field; an input that is no such array throws IngestInputError.
 */
export async function* jsonPoints(input: AsyncIterable<Buffer>, options: JsonOptions): AsyncGenerator<ParsedChunk> {
  const builder = new ChunkBuilder(options.batchPoints);
  const parseTime = timeParser(options.timeFormat ?? 'auto', options.timezone, true);
  const prefix = options.tagPrefix ?? '';
  let element = 0;
  let bytes = 0;
  for await (const { text, endBytes } of elements(input)) {
    builder.row();
    readElement(text, element, builder, parseTime, prefix);
    element++;
    bytes = endBytes;
    if (builder.full) yield builder.take(bytes, element - 1);
  }
  if (!builder.empty) yield builder.take(bytes, element - 1);
}

function readElement(
  text: string,
  element: number,
  into: ChunkBuilder,
  parseTime: (t: string) => number | undefined,
  prefix: string,
): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return into.reject({ element, reason: `not JSON: ${(err as Error).message}` });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return into.reject({ element, reason: 'expected an object {"tag","time","value"} or {"time","values"}' });
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  const wide = 'values' in o;
  const allowed = wide ? ['time', 'values'] : ['tag', 'time', 'value'];
  const extra = keys.find((k) => !allowed.includes(k));
  if (extra !== undefined) return into.reject({ element, column: extra, reason: `unknown property ${JSON.stringify(extra)}` });
  if (o.time === undefined) return into.reject({ element, column: 'time', reason: 'time is required' });
  if (typeof o.time !== 'string' && typeof o.time !== 'number')
    return into.reject({ element, column: 'time', reason: 'expected a string (ISO 8601) or a number (epoch)' });
  const t = parseTime(String(o.time));
  if (t === undefined)
    return into.reject({ element, column: 'time', reason: `${JSON.stringify(String(o.time).slice(0, 40))} is not a time` });
  if (wide) {
    const values = o.values;
    if (values === null || typeof values !== 'object' || Array.isArray(values))
      return into.reject({ element, column: 'values', reason: 'expected an object of tag: value' });
    const entries = Object.entries(values as Record<string, unknown>);
    for (const [tag, v] of entries) {
      const problem = valueProblem(v) ?? into.nameProblem(prefix + tag);
      if (problem !== undefined) return into.reject({ element, column: `values.${tag}`, reason: problem });
    }
    for (const [tag, v] of entries) if (typeof v === 'number') into.add(prefix + tag, t, v);
    return;
  }
  if (typeof o.tag !== 'string') return into.reject({ element, column: 'tag', reason: 'expected the sensor name as a string' });
  const sensor = prefix + o.tag;
  const problem = into.nameProblem(sensor);
  if (problem !== undefined) return into.reject({ element, column: 'tag', reason: problem });
  if (!('value' in o)) return into.reject({ element, column: 'value', reason: 'value is required (null for none)' });
  const vp = valueProblem(o.value);
  if (vp !== undefined) return into.reject({ element, column: 'value', reason: vp });
  if (typeof o.value === 'number') into.add(sensor, t, o.value);
}

function valueProblem(v: unknown): string | undefined {
  return v === null || typeof v === 'number' ? undefined : `expected a number or null, got ${JSON.stringify(v)?.slice(0, 40) ?? typeof v}`;
}

/**
 * The elements of a top-level array, or the values of a whitespace-separated sequence (NDJSON, or a single
 * object), as text; each with the bytes consumed up to its end. Tracks strings and nesting, nothing more:
 * JSON.parse judges each element. `endBytes` is the input read before the chunk the element ends in (JSON is
 * not resumed, so no finer offset is kept).
 */
async function* elements(input: AsyncIterable<Buffer>): AsyncGenerator<{ text: string; endBytes: number }> {
  const decoder = new StringDecoder('utf8');
  let mode: 'start' | 'array' | 'sequence' | 'done' = 'start';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  let partsLength = 0;
  let bytes = 0;
  let started = false;
  const tooLong = () => new IngestInputError(`a JSON element is longer than ${MAX_ELEMENT_CHARS} characters`, undefined);
  for await (const chunk of input) {
    const text = decoder.write(chunk);
    let from = 0; // start of the element text within `text`, while one is open
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        if (mode === 'sequence' && started && depth === 0) {
          // A scalar's end in a sequence: let JSON.parse judge it.
          const elementText = parts.join('') + text.slice(from, i);
          parts = [];
          partsLength = 0;
          started = false;
          yield { text: elementText, endBytes: bytes };
        }
        continue;
      }
      if (mode === 'done') throw new IngestInputError('unexpected text after the end of the JSON array', undefined);
      if (mode === 'start') {
        if (c === 91) {
          mode = 'array';
          continue;
        }
        mode = 'sequence';
      }
      if (mode === 'array' && depth === 0) {
        if (c === 44 || c === 93) {
          if (started) {
            const elementText = parts.join('') + text.slice(from, i);
            parts = [];
            partsLength = 0;
            started = false;
            yield { text: elementText, endBytes: bytes };
          } else if (c === 44) throw new IngestInputError('an empty element in the JSON array (two commas)', undefined);
          if (c === 93) mode = 'done';
          continue;
        }
      }
      if (!started) {
        started = true;
        from = i;
      }
      if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        depth--;
        if (depth < 0) throw new IngestInputError('unbalanced brackets in the JSON body', undefined);
        if (depth === 0 && mode === 'sequence') {
          const elementText = parts.join('') + text.slice(from, i + 1);
          parts = [];
          partsLength = 0;
          started = false;
          yield { text: elementText, endBytes: bytes };
        }
      }
    }
    if (started) {
      parts.push(text.slice(from));
      partsLength += text.length - from;
      if (partsLength > MAX_ELEMENT_CHARS) throw tooLong();
    }
    bytes += chunk.length;
  }
  if (started) {
    if (mode === 'sequence' && depth === 0) yield { text: parts.join(''), endBytes: bytes };
    else throw new IngestInputError('the JSON body ends inside an element', undefined);
  } else if (mode === 'array') throw new IngestInputError('the JSON array is not closed', undefined);
  if (inString) throw new IngestInputError('the JSON body ends inside a string', undefined);
}
