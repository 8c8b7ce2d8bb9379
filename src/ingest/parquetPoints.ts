import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import type { FileMetaData } from 'hyparquet';
import { ChunkBuilder, parseValue, type ParsedChunk } from './ParsedChunk.js';
import { findTimeColumn, readHeader } from './csvPoints.js';
import { IngestInputError } from './IngestInputError.js';
import { timeParser, type TimeFormat } from './parseTime.js';

export interface ParquetOptions {
  batchPoints: number;
  tagPrefix?: string;
  timeColumn?: string;
  timeFormat?: TimeFormat;
  timezone?: string;
  shape?: 'auto' | 'wide' | 'long';
  labelColumns?: readonly string[];
  onLabel?(column: string, timeMs: number, value: string): void;
  /** Rows before this one were imported before. */
  startRow?: number;
}

export interface ParquetFile {
  readonly metadata: FileMetaData;
  readonly rows: number;
  readonly columns: readonly string[];
}

/** The file's metadata: row count and its top-level column names. */
export async function openParquet(path: string): Promise<ParquetFile & { file: Awaited<ReturnType<typeof asyncBufferFromFile>> }> {
  const file = await asyncBufferFromFile(path);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new IngestInputError(`not a Parquet file: ${(err as Error).message}`, undefined, 'file');
  }
  const root = metadata.schema[0]!;
  const columns: string[] = [];
  let index = 1;
  for (let c = 0; c < (root.num_children ?? 0); c++) {
    const element = metadata.schema[index]!;
    columns.push(element.name);
    index += 1 + countDescendants(metadata, index);
  }
  return { file, metadata, rows: Number(metadata.num_rows), columns };
}

function countDescendants(metadata: FileMetaData, index: number): number {
  let total = 0;
  const children = metadata.schema[index]!.num_children ?? 0;
  let at = index + 1;
  for (let c = 0; c < children; c++) {
    const below = countDescendants(metadata, at);
    total += 1 + below;
    at += 1 + below;
  }
  return total;
}

/**
 * Reads a Parquet file with hyparquet (pure JavaScript), one row group at a time, into chunks of points:
 * wide (a time column and a column per sensor) or long (tag, time, value), told apart as in CSV. Times
 * may be TIMESTAMP columns, epoch numbers or text; values numbers, booleans or numeric text. A bad row is
 * rejected naming its (0-based) row and column. `endRow` of each chunk is the next row to read.
 */
export async function* parquetPoints(path: string, options: ParquetOptions): AsyncGenerator<ParsedChunk> {
  const parquet = await openParquet(path);
  const layout = readHeader(parquet.columns, ',', { batchPoints: options.batchPoints, ...pick(options) });
  const header = layout.header;
  const lower = header.map((h) => h.toLowerCase());
  const timeIndex = findTimeColumn(header, options.timeColumn);
  const parseTime = timeParser(options.timeFormat ?? 'auto', options.timezone, true);
  const prefix = options.tagPrefix ?? '';
  const labelNames = new Set((options.labelColumns ?? []).map((l) => l.toLowerCase()));
  const builder = new ChunkBuilder(options.batchPoints);
  const timeOf = (cell: unknown, row: number): number | undefined => {
    let t: number | undefined;
    if (cell instanceof Date) t = Number.isNaN(cell.getTime()) ? undefined : cell.getTime();
    else if (typeof cell === 'number' || typeof cell === 'bigint' || typeof cell === 'string') t = parseTime(String(cell));
    if (t === undefined)
      builder.reject({ row, column: header[timeIndex]!, reason: `${JSON.stringify(String(cell)).slice(0, 40)} is not a time` });
    return t;
  };
  const valueOf = (cell: unknown): number | undefined | string => {
    if (cell === null || cell === undefined) return undefined;
    if (typeof cell === 'number') return Number.isNaN(cell) ? undefined : cell;
    if (typeof cell === 'bigint') return Number(cell);
    if (typeof cell === 'boolean') return cell ? 1 : 0;
    if (typeof cell === 'string') return parseValue(cell, false);
    return `a ${typeof cell} is not a number`;
  };
  const tagIndex = lower.findIndex((h) => ['tag', 'sensor', 'tag_name', 'tagname', 'name'].includes(h));
  const valueIndex = lower.indexOf('value');
  const sensorColumns = header
    .map((name, index) => ({ name, index }))
    .filter(({ name, index }) => index !== timeIndex && !labelNames.has(name.toLowerCase()));
  const labelColumns = header.map((name, index) => ({ name, index })).filter(({ name }) => labelNames.has(name.toLowerCase()));

  let groupStart = 0;
  for (const group of parquet.metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    const from = Math.max(groupStart, options.startRow ?? 0);
    if (from < groupEnd) {
      let rows: unknown[][] = [];
      await parquetRead({
        file: parquet.file,
        metadata: parquet.metadata,
        rowStart: from,
        rowEnd: groupEnd,
        columns: [...header],
        onComplete: (read) => {
          rows = read as unknown[][];
        },
      });
      for (let r = 0; r < rows.length; r++) {
        const record = rows[r]!;
        const row = from + r;
        builder.row();
        const t = timeOf(record[timeIndex], row);
        if (t !== undefined) {
          if (layout.shape === 'long') {
            const sensor = prefix + String(record[tagIndex]);
            const problem = builder.nameProblem(sensor);
            const v = problem === undefined ? valueOf(record[valueIndex]) : problem;
            if (typeof v === 'string') builder.reject({ row, column: header[problem === undefined ? valueIndex : tagIndex]!, reason: v });
            else if (v !== undefined) builder.add(sensor, t, v);
          } else {
            const values: (number | undefined)[] = [];
            let bad = false;
            for (const c of sensorColumns) {
              const v = valueOf(record[c.index]);
              if (typeof v === 'string') {
                builder.reject({ row, column: c.name, reason: v });
                bad = true;
                break;
              }
              values.push(v);
            }
            if (!bad) {
              sensorColumns.forEach((c, i) => {
                const v = values[i];
                if (v !== undefined) builder.add(prefix + c.name, t, v);
              });
              for (const l of labelColumns) options.onLabel?.(l.name, t, cellText(record[l.index]));
            }
          }
        }
        if (builder.full) yield builder.take(0, row + 1);
      }
    }
    groupStart = groupEnd;
  }
  if (!builder.empty) yield builder.take(0, parquet.rows);
}

function pick(options: ParquetOptions) {
  return {
    ...(options.shape === undefined ? {} : { shape: options.shape }),
    ...(options.timeColumn === undefined ? {} : { timeColumn: options.timeColumn }),
  };
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number' || typeof cell === 'bigint' || typeof cell === 'boolean') return String(cell);
  return JSON.stringify(cell);
}
