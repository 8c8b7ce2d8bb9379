import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { ChunkBuilder, parseValue, type ParsedChunk } from './ParsedChunk.js';
import { IngestInputError } from './IngestInputError.js';
import { timeParser, type TimeFormat } from './parseTime.js';

/** How a CSV file is laid out: found from its first line, or given back when a resumed import continues it. */
export interface CsvLayout {
  readonly delimiter: string;
  /** The header's column names, as written. */
  readonly header: readonly string[];
  /** `wide`: a time column and one column per sensor; `long`: tag, time and value columns. */
  readonly shape: 'wide' | 'long';
  readonly timeFormat: TimeFormat;
}

export interface CsvOptions {
  /** One character, or `auto` (default): the most frequent of `;`, `,`, tab and `|` in the first line. */
  delimiter?: string;
  /** `auto` (default): long when the header has tag, time and value columns, otherwise wide. */
  shape?: 'auto' | 'wide' | 'long';
  /** The time column's name; default: the first of time, timestamp, datetime, date_time, date, ts, else the first column. */
  timeColumn?: string;
  timeFormat?: TimeFormat;
  /** IANA zone of times without an offset (default UTC). */
  timezone?: string;
  /** Put before each sensor name taken from a header (wide) or a tag cell (long). */
  tagPrefix?: string;
  /** Columns that hold labels, not sensor values (case-insensitive): their values go to `onLabel`. */
  labelColumns?: readonly string[];
  onLabel?(column: string, timeMs: number, value: string): void;
  /** Called once the header is read (or `resume.layout` is taken). */
  onLayout?(layout: CsvLayout): void;
  batchPoints: number;
  /** Continue a file read before: the input starts at a row boundary, `layout` says how to read it, `lineOffset` lines came before. */
  resume?: { layout: CsvLayout; lineOffset: number; byteOffset: number };
}

const TIME_NAMES = ['time', 'timestamp', 'datetime', 'date_time', 'date', 'ts'];
export const TAG_NAMES = ['tag', 'sensor', 'tag_name', 'tagname', 'name'];
const DELIMITERS = [';', ',', '\t', '|'];

/**
 * Streams a CSV body into chunks of points (csv-parse; nothing but the current chunk is held). Wide files
 * have a time column and a column per sensor (an empty or NaN cell is no point); long files have tag, time
 * and value columns. Semicolon files may use decimal commas (`1,5`). A row with a bad time or value is
 * rejected whole, naming its line and column; a header that cannot be read throws IngestInputError.
 */
export async function* csvPoints(input: AsyncIterable<Buffer>, options: CsvOptions): AsyncGenerator<ParsedChunk> {
  const source = options.resume === undefined ? await peekFirstLine(input) : { head: Buffer.alloc(0), rest: input };
  const delimiter = options.resume?.layout.delimiter ?? chooseDelimiter(options.delimiter, source.head);
  const parser = parse({
    delimiter,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    bom: options.resume === undefined,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n', '\r'],
  });
  const feed = Readable.from(concat(source.head, source.rest));
  feed.on('error', (err) => parser.destroy(err));
  feed.pipe(parser);
  const lineOffset = options.resume?.lineOffset ?? 0;
  const byteOffset = options.resume?.byteOffset ?? 0;
  const builder = new ChunkBuilder(options.batchPoints);
  let reader: RowReader | undefined = options.resume === undefined ? undefined : rowReader(options.resume.layout, options, lineOffset);
  if (options.resume !== undefined) options.onLayout?.(options.resume.layout);
  let lastLine = lineOffset;
  let lastBytes = byteOffset;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>) {
      const line = lineOffset + info.lines;
      if (reader === undefined) {
        const layout = readHeader(record, delimiter, options);
        reader = rowReader(layout, options, 0);
        options.onLayout?.({ ...layout, timeFormat: reader.timeFormat() });
      } else {
        builder.row();
        reader.read(record, line, builder);
      }
      lastLine = line;
      lastBytes = byteOffset + info.bytes;
      if (builder.full) yield builder.take(lastBytes, lastLine);
    }
  } catch (err) {
    if (err instanceof IngestInputError) throw err;
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('CSV_'))
      throw new IngestInputError(`the CSV cannot be read: ${(err as Error).message}`, { line: lastLine + 1 });
    throw err;
  } finally {
    feed.destroy();
  }
  if (reader === undefined) throw new IngestInputError('the CSV is empty: expected a header line', { line: 1 });
  if (!builder.empty) yield builder.take(lastBytes, lastLine);
}

interface RowReader {
  read(record: readonly string[], line: number, into: ChunkBuilder): void;
  timeFormat(): TimeFormat;
}

function rowReader(layout: CsvLayout, options: CsvOptions, _lineOffset: number): RowReader {
  const lower = layout.header.map((h) => h.trim().toLowerCase());
  const parseTime = timeParser(layout.timeFormat, options.timezone);
  const decimalComma = layout.delimiter !== ',';
  const prefix = options.tagPrefix ?? '';
  const width = layout.header.length;
  const labelNames = new Set((options.labelColumns ?? []).map((l) => l.toLowerCase()));
  const timeIndex = findTimeColumn(layout.header, options.timeColumn);
  const badWidth = (record: readonly string[]) =>
    record.length === width ? undefined : `the row has ${record.length} fields, the header ${width}`;
  const timeOf = (text: string, line: number, into: ChunkBuilder): number | undefined => {
    const t = parseTime(text);
    if (t === undefined) {
      const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
      into.reject({
        line,
        column: layout.header[timeIndex]!,
        reason: `${JSON.stringify(shown)} is not a time (${timeHint(parseTime.describe())})`,
      });
    }
    return t;
  };

  if (layout.shape === 'long') {
    const tagIndex = lower.findIndex((h) => TAG_NAMES.includes(h));
    const valueIndex = lower.indexOf('value');
    return {
      timeFormat: () => parseTime.format(),
      read(record, line, into) {
        const wrong = badWidth(record);
        if (wrong !== undefined) return into.reject({ line, reason: wrong });
        const sensor = prefix + record[tagIndex]!;
        const nameProblem = into.nameProblem(sensor);
        if (nameProblem !== undefined) return into.reject({ line, column: layout.header[tagIndex]!, reason: nameProblem });
        const t = timeOf(record[timeIndex]!, line, into);
        if (t === undefined) return;
        const v = parseValue(record[valueIndex]!, decimalComma);
        if (typeof v === 'string') return into.reject({ line, column: layout.header[valueIndex]!, reason: v });
        if (v !== undefined) into.add(sensor, t, v);
      },
    };
  }

  const columns: { index: number; sensor: string }[] = [];
  const labels: { index: number; name: string }[] = [];
  layout.header.forEach((name, index) => {
    if (index === timeIndex) return;
    if (labelNames.has(name.trim().toLowerCase())) labels.push({ index, name });
    else columns.push({ index, sensor: prefix + name });
  });
  const values = new Array<number | undefined>(columns.length);
  return {
    timeFormat: () => parseTime.format(),
    read(record, line, into) {
      const wrong = badWidth(record);
      if (wrong !== undefined) return into.reject({ line, reason: wrong });
      const t = timeOf(record[timeIndex]!, line, into);
      if (t === undefined) return;
      for (let c = 0; c < columns.length; c++) {
        const v = parseValue(record[columns[c]!.index]!, decimalComma);
        if (typeof v === 'string') return into.reject({ line, column: layout.header[columns[c]!.index]!, reason: v });
        values[c] = v;
      }
      for (let c = 0; c < columns.length; c++) {
        const v = values[c];
        if (v !== undefined) into.add(columns[c]!.sensor, t, v);
      }
      for (const label of labels) options.onLabel?.(label.name, t, record[label.index]!);
    },
  };
}

function timeHint(format: string): string {
  return format === 'auto'
    ? 'expected ISO 8601, epoch seconds or milliseconds, YYYY/MM/DD hh:mm or DD.MM.YYYY hh:mm; or give time_format'
    : `expected the column's format, ${format}`;
}

export function findTimeColumn(header: readonly string[], given: string | undefined): number {
  const lower = header.map((h) => h.trim().toLowerCase());
  if (given !== undefined) {
    const exact = header.indexOf(given);
    const index = exact >= 0 ? exact : lower.indexOf(given.trim().toLowerCase());
    if (index < 0)
      throw new IngestInputError(
        `there is no time column ${JSON.stringify(given)}; the header has ${JSON.stringify(header.slice(0, 20))}`,
        { line: 1 },
        'time_column',
      );
    return index;
  }
  for (const name of TIME_NAMES) {
    const index = lower.indexOf(name);
    if (index >= 0) return index;
  }
  return 0;
}

export function readHeader(
  record: readonly string[],
  delimiter: string,
  options: CsvOptions,
): Omit<CsvLayout, 'timeFormat'> & { timeFormat: TimeFormat } {
  const header = record.map((h) => h.trim());
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    if (name === '') throw new IngestInputError(`column ${index + 1} of the header has no name`, { line: 1 });
    const earlier = seen.get(name);
    if (earlier !== undefined)
      throw new IngestInputError(`columns ${earlier + 1} and ${index + 1} of the header are both named ${JSON.stringify(name)}`, {
        line: 1,
        column: name,
      });
    seen.set(name, index);
  });
  if (header.length < 2) {
    throw new IngestInputError(
      `the header has one column (${JSON.stringify(header[0])}); expected a time column and sensor columns` +
        (options.delimiter === undefined || options.delimiter === 'auto'
          ? `, separated by one of ; , tab | (found "${printable(delimiter)}")`
          : ''),
      { line: 1 },
    );
  }
  const lower = header.map((h) => h.toLowerCase());
  const looksLong = lower.includes('value') && lower.some((h) => TAG_NAMES.includes(h)) && lower.some((h) => TIME_NAMES.includes(h));
  const shape =
    options.shape === undefined || options.shape === 'auto' ? (looksLong && header.length === 3 ? 'long' : 'wide') : options.shape;
  if (shape === 'long' && !looksLong)
    throw new IngestInputError(`a long CSV needs tag, time and value columns; the header has ${JSON.stringify(header)}`, { line: 1 });
  findTimeColumn(header, options.timeColumn); // a missing --time-column is an error before any row
  return { delimiter, header, shape, timeFormat: options.timeFormat ?? 'auto' };
}

function printable(delimiter: string): string {
  return delimiter === '\t' ? '\\t' : delimiter;
}

function chooseDelimiter(given: string | undefined, head: Buffer): string {
  if (given !== undefined && given !== 'auto') return given === 'tab' || given === '\\t' ? '\t' : given;
  const line = head.toString('utf8');
  let best = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    let count = 0;
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (!quoted && ch === d) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Reads until the first line ends (at most 1 MiB), for the delimiter; the rest follows unread. */
async function peekFirstLine(input: AsyncIterable<Buffer>): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const iterator = input[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    parts.push(next.value);
    size += next.value.length;
    if (next.value.includes(10) || size >= 1024 * 1024) break;
  }
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => iterator };
  return { head: Buffer.concat(parts), rest };
}

async function* concat(head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for await (const chunk of rest) yield chunk;
}
