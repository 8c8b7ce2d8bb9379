import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { csvPoints, type CsvOptions } from './csvPoints.js';
import { IngestInputError } from './IngestInputError.js';
import { jsonPoints } from './jsonPoints.js';
import { lineProtocolPoints, type LineProtocolOptions, type LinePrecision } from './lineProtocolPoints.js';
import type { ParsedChunk } from './ParsedChunk.js';
import type { TimeFormat } from './parseTime.js';

export type IngestFormat = 'json' | 'csv' | 'line';

/** The media types each format is sent as (`Content-Type`, parameters ignored). */
export const mediaTypes: Record<IngestFormat, readonly string[]> = {
  json: ['application/json', 'application/x-ndjson', 'application/jsonl'],
  csv: ['text/csv', 'application/csv'],
  line: ['text/plain', 'application/x-influx-line-protocol', 'application/vnd.influx.line-protocol'],
};

export function formatOfContentType(contentType: string | undefined): IngestFormat | undefined {
  const type = contentType?.split(';')[0]!.trim().toLowerCase();
  if (type === undefined) return undefined;
  return (Object.keys(mediaTypes) as IngestFormat[]).find((f) => mediaTypes[f].includes(type));
}

/** Everything a parse may be told, from the request's query or the import command's options. */
export interface ParseSettings {
  batchPoints: number;
  tagPrefix?: string;
  timeFormat?: TimeFormat;
  timezone?: string;
  // CSV
  delimiter?: string;
  shape?: 'auto' | 'wide' | 'long';
  timeColumn?: string;
  labelColumns?: readonly string[];
  onLabel?: CsvOptions['onLabel'];
  onLayout?: CsvOptions['onLayout'];
  resume?: CsvOptions['resume'];
  // line protocol
  precision?: LinePrecision;
  sensorTag?: string;
  now: () => number;
}

/** The chunks of points of `input` read as `format`: one parser per format, shared by ingest and import. */
export function parsePoints(format: IngestFormat, input: AsyncIterable<Buffer>, s: ParseSettings): AsyncGenerator<ParsedChunk> {
  const common = {
    batchPoints: s.batchPoints,
    ...(s.tagPrefix === undefined ? {} : { tagPrefix: s.tagPrefix }),
    ...(s.timeFormat === undefined ? {} : { timeFormat: s.timeFormat }),
    ...(s.timezone === undefined ? {} : { timezone: s.timezone }),
  };
  switch (format) {
    case 'json':
      return jsonPoints(input, common);
    case 'csv':
      return csvPoints(input, {
        ...common,
        ...(s.delimiter === undefined ? {} : { delimiter: s.delimiter }),
        ...(s.shape === undefined ? {} : { shape: s.shape }),
        ...(s.timeColumn === undefined ? {} : { timeColumn: s.timeColumn }),
        ...(s.labelColumns === undefined ? {} : { labelColumns: s.labelColumns }),
        ...(s.onLabel === undefined ? {} : { onLabel: s.onLabel }),
        ...(s.onLayout === undefined ? {} : { onLayout: s.onLayout }),
        ...(s.resume === undefined ? {} : { resume: s.resume }),
      });
    case 'line':
      return lineProtocolPoints(input, lineProtocolOptions(s));
  }
}

/** The line-protocol parser's options among `s`. */
export function lineProtocolOptions(s: ParseSettings): LineProtocolOptions {
  return {
    batchPoints: s.batchPoints,
    now: s.now,
    ...(s.tagPrefix === undefined ? {} : { tagPrefix: s.tagPrefix }),
    ...(s.precision === undefined ? {} : { precision: s.precision }),
    ...(s.sensorTag === undefined ? {} : { sensorTag: s.sensorTag }),
    ...(s.resume === undefined ? {} : { resume: { lineOffset: s.resume.lineOffset, byteOffset: s.resume.byteOffset } }),
  };
}

/**
 * A request body as decompressed chunks, at most `maxBytes` of them (counted after gzip is undone, so a
 * small gzip bomb is stopped too): over the limit, a 413 IngestInputError. Nothing is held but the chunk
 * being read.
 */
export async function* bodyChunks(body: Readable, options: { gzip: boolean; maxBytes: number; limitKey: string }): AsyncGenerator<Buffer> {
  const source: Readable = options.gzip ? body.pipe(createGunzip()) : body;
  if (options.gzip) body.on('error', (err) => source.destroy(err));
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > options.maxBytes) {
        throw new IngestInputError(
          `the body is larger than ${options.limitKey} (${options.maxBytes} bytes${options.gzip ? ' after gzip' : ''})`,
          undefined,
          'body',
          413,
        );
      }
      yield chunk;
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (options.gzip && typeof code === 'string' && code.startsWith('Z_'))
      throw new IngestInputError(`the gzip body cannot be decompressed: ${(err as Error).message}`, undefined, 'header.content-encoding');
    throw err;
  } finally {
    if (options.gzip) source.destroy();
  }
}
