import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { SensorWriter } from '../contracts/SensorWriter.js';
import type { CsvLayout } from './csvPoints.js';
import { ingestChunks, type IngestSummary } from './ingestChunks.js';
import { parsePoints, type ParseSettings } from './ingestFormats.js';
import { IngestInputError } from './IngestInputError.js';
import type { ImportProgressStore } from './ImportProgressStore.js';
import { LabelIntervals, type LabelInterval } from './LabelIntervals.js';
import type { ParsedChunk } from './ParsedChunk.js';
import { parquetPoints } from './parquetPoints.js';
import type { TimeFormat } from './parseTime.js';
import type { LinePrecision } from './lineProtocolPoints.js';

export type ImportFormat = 'csv' | 'parquet' | 'line';

export interface ImportOptions {
  format?: ImportFormat;
  tagPrefix?: string;
  timeColumn?: string;
  timezone?: string;
  timeFormat?: TimeFormat;
  delimiter?: string;
  /** Line protocol: the unit of the timestamps (default ns). */
  precision?: LinePrecision;
  /** Import again from the start even when the file was (partly) imported. */
  restart?: boolean;
  batchPoints: number;
  labelColumns: readonly string[];
  maxListed: number;
  sensorTag: string;
  now: () => number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number, points: number): void;
}

export interface ImportResult {
  readonly path: string;
  readonly format: ImportFormat;
  /** Already imported completely before: nothing was read. */
  readonly alreadyImported: boolean;
  /** Where this run started: 0, or the line/row a resumed import continued after. */
  readonly resumedAt: number;
  readonly summary: IngestSummary;
  /** Per label column: the labelled intervals found (rows read in this run). */
  readonly labels: Map<string, LabelInterval[]>;
}

/** `csv`, `parquet` or `line` by the file's extension (`.gz` looked through); undefined when it says nothing. */
export function formatOfPath(path: string): ImportFormat | undefined {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (/\.(csv|tsv|txt)$/.test(name)) return 'csv';
  if (/\.(parquet|pq)$/.test(name)) return 'parquet';
  if (/\.(lp|line|influx)$/.test(name)) return 'line';
  return undefined;
}

/**
 * Imports one file through the same parsers and writer as POST /ingest (rows refused as `partial=true`
 * does: the good rows are stored, the bad ones listed). Resumable: after each written chunk its end (byte
 * offset and line for text, row for Parquet) is recorded in `import_progress`, so running the same command
 * again continues there; a file imported completely is skipped; a changed file (size, mtime) starts over.
 */
export async function importFile(
  path: string,
  writer: SensorWriter,
  store: ImportProgressStore,
  options: ImportOptions,
): Promise<ImportResult> {
  const absolute = resolve(path);
  let stat;
  try {
    stat = statSync(absolute);
  } catch (err) {
    throw new IngestInputError(`cannot read ${path}: ${(err as Error).message}`, undefined, 'file');
  }
  const format = options.format ?? formatOfPath(absolute);
  if (format === undefined)
    throw new IngestInputError(`cannot tell the format of ${path} from its name; give --format csv|parquet|line`, undefined, 'file');
  const fileKey = createHash('sha256').update(`${absolute}\n${stat.size}\n${stat.mtimeMs}`).digest('hex');
  if (options.restart) await store.forget(fileKey);
  const before = await store.get(fileKey);
  const labels = new LabelIntervals();
  const emptySummary: IngestSummary = { rows: 0, points: 0, nonFinite: 0, rejectedRows: 0, rejections: [], sensors: 0, unknownSensors: [] };
  if (before?.finished)
    return { path, format, alreadyImported: true, resumedAt: before.resumeRow, summary: emptySummary, labels: labels.intervals() };

  const gzip = absolute.toLowerCase().endsWith('.gz');
  let layout: CsvLayout | undefined = before?.state ? (JSON.parse(before.state) as CsvLayout) : undefined;
  const resumeOffset =
    before !== undefined && (format === 'parquet' || layout !== undefined || format === 'line') ? before.resumeOffset : 0;
  const resumeRow = before !== undefined && resumeOffset > 0 ? before.resumeRow : format === 'parquet' ? (before?.resumeRow ?? 0) : 0;
  let read = 0;
  let chunks: AsyncIterable<ParsedChunk>;
  let total = stat.size;
  if (format === 'parquet') {
    chunks = parquetPoints(absolute, {
      batchPoints: options.batchPoints,
      labelColumns: options.labelColumns,
      onLabel: (column, t, v) => labels.add(column, t, v),
      startRow: resumeRow,
      ...optional(options),
    });
  } else {
    const source = fileChunks(absolute, gzip, gzip ? 0 : resumeOffset, gzip ? resumeOffset : 0, (n) => (read = n));
    const settings: ParseSettings = {
      batchPoints: options.batchPoints,
      now: options.now,
      labelColumns: options.labelColumns,
      sensorTag: options.sensorTag,
      onLabel: (column, t, v) => labels.add(column, t, v),
      onLayout: (l) => (layout = l),
      ...optional(options),
      ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
      ...(options.precision === undefined ? {} : { precision: options.precision }),
      ...(resumeOffset > 0
        ? {
            resume: {
              layout: layout ?? { delimiter: ',', header: [], shape: 'wide', timeFormat: 'auto' },
              lineOffset: resumeRow,
              byteOffset: resumeOffset,
            },
          }
        : {}),
    };
    chunks = parsePoints(format, source, settings);
    if (gzip) total = stat.size; // progress in compressed bytes read
  }
  let points = before?.points ?? 0;
  let rejected = before?.rejected ?? 0;
  const summary = await ingestChunks(chunks, writer, {
    partial: true,
    createTags: true,
    maxListed: options.maxListed,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onChunk: async (chunk, totals) => {
      points = (before?.points ?? 0) + totals.points;
      rejected = (before?.rejected ?? 0) + totals.rejectedRows;
      await store.save({
        fileKey,
        path: absolute,
        bytesTotal: stat.size,
        resumeOffset: format === 'parquet' ? 0 : chunk.endOffset,
        resumeRow: chunk.endRow,
        points,
        rejected,
        state: layout === undefined ? null : JSON.stringify(layout),
        finished: false,
      });
      const done = format === 'parquet' ? chunk.endRow : Math.min(read, total);
      options.onProgress?.(done, format === 'parquet' ? Math.max(1, await parquetRowsHint(absolute)) : total, points);
    },
  });
  await store.save({
    fileKey,
    path: absolute,
    bytesTotal: stat.size,
    resumeOffset: 0,
    resumeRow: 0,
    points,
    rejected,
    state: null,
    finished: true,
  });
  return { path, format, alreadyImported: false, resumedAt: resumeRow, summary, labels: labels.intervals() };
}

const rowCounts = new Map<string, number>();
async function parquetRowsHint(path: string): Promise<number> {
  let rows = rowCounts.get(path);
  if (rows === undefined) {
    const { openParquet } = await import('./parquetPoints.js');
    rows = (await openParquet(path)).rows;
    rowCounts.set(path, rows);
  }
  return rows;
}

function optional(options: ImportOptions) {
  return {
    ...(options.tagPrefix === undefined ? {} : { tagPrefix: options.tagPrefix }),
    ...(options.timeColumn === undefined ? {} : { timeColumn: options.timeColumn }),
    ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    ...(options.timeFormat === undefined ? {} : { timeFormat: options.timeFormat }),
  };
}

/** The file's bytes from `start` (plain) or after skipping `skip` decompressed bytes (gzip); `onRead` gets the file bytes read so far. */
async function* fileChunks(
  path: string,
  gzip: boolean,
  start: number,
  skip: number,
  onRead: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  const file = createReadStream(path, { start, highWaterMark: 256 * 1024 });
  const source: Readable = gzip ? file.pipe(createGunzip()) : file;
  let skipped = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      onRead(start + file.bytesRead);
      if (skipped < skip) {
        const take = Math.min(skip - skipped, chunk.length);
        skipped += take;
        if (take === chunk.length) continue;
        yield chunk.subarray(take);
        continue;
      }
      yield chunk;
    }
  } finally {
    file.destroy();
  }
}
