import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from '../ApiDeps.js';
import { GroupCommitSensorWriter } from '../../ingest/GroupCommitSensorWriter.js';
import { IngestInputError } from '../../ingest/IngestInputError.js';
import { ingestChunks, IngestRejectedError, type IngestSummary } from '../../ingest/ingestChunks.js';
import {
  bodyChunks,
  formatOfContentType,
  lineProtocolOptions,
  mediaTypes,
  parsePoints,
  type IngestFormat,
  type ParseSettings,
} from '../../ingest/ingestFormats.js';
import { toPrecision } from '../../ingest/lineProtocolPoints.js';
import { LineProtocolWorkerPool } from '../../ingest/LineProtocolWorkerPool.js';
import type { ParsedChunk } from '../../ingest/ParsedChunk.js';
import { timezoneProblem, toTimeFormat } from '../../ingest/parseTime.js';
import { ApiProblem, badRequest, problemSchema, sendProblem } from '../problem.js';
import { authProblems, problems } from '../schemas.js';
import { notOffered } from '../ApiServer.js';

interface IngestQuery {
  partial?: boolean;
  create_tags?: boolean;
  delimiter?: string;
  layout?: 'auto' | 'wide' | 'long';
  time_column?: string;
  time_format?: string;
  timezone?: string;
  tag_prefix?: string;
  precision?: string;
}

const parseQuery = {
  delimiter: {
    type: 'string',
    minLength: 1,
    maxLength: 4,
    description: 'CSV: one character or `tab`; default: detected from the header line.',
  },
  layout: {
    type: 'string',
    enum: ['auto', 'wide', 'long'],
    default: 'auto',
    description: 'CSV: wide (time + a column per tag) or long (tag,time,value).',
  },
  time_column: {
    type: 'string',
    minLength: 1,
    description: 'CSV wide: the time column (default: time, timestamp, datetime, date or the first).',
  },
  time_format: {
    type: 'string',
    minLength: 1,
    description:
      'auto (default), iso, epoch_s, epoch_ms, epoch_us, epoch_ns, ymd_slashed, dmy_dotted, or a luxon pattern such as dd/MM/yyyy HH:mm.',
  },
  timezone: { type: 'string', minLength: 1, description: 'IANA zone of times without an offset (default UTC).' },
  tag_prefix: { type: 'string', description: 'Put before every sensor name.' },
  precision: { type: 'string', description: 'Line protocol: unit of the timestamps, n (default), u, ms, s, m or h.' },
} as const;

const rejection = {
  type: 'object',
  required: ['reason'],
  properties: {
    line: { type: 'integer', description: 'CSV and line protocol: the 1-based line (the CSV header is line 1).' },
    element: { type: 'integer', description: 'JSON: the 0-based element of the array.' },
    column: { type: 'string' },
    reason: { type: 'string' },
  },
} as const;

const summarySchema = {
  type: 'object',
  required: ['format', 'rows', 'points', 'rejectedRows', 'rejections', 'sensors'],
  properties: {
    format: { type: 'string', enum: ['json', 'csv', 'line'] },
    rows: { type: 'integer', description: 'Rows, lines or elements read.' },
    points: { type: 'integer', description: 'Points stored.' },
    nonFinite: { type: 'integer', description: 'NaN or infinite values among them, stored as gaps.' },
    rejectedRows: { type: 'integer' },
    rejections: { type: 'array', items: rejection, description: 'The first ingest.max_listed_rejections rejected rows.' },
    sensors: { type: 'integer', description: 'Distinct sensors written.' },
    unknownSensors: {
      type: 'array',
      items: { type: 'object', properties: { sensor: { type: 'string' }, points: { type: 'integer' } } },
      description: 'create_tags=false with partial=true: sensors that do not exist, whose points were left out.',
    },
    labelColumns: {
      type: 'array',
      items: { type: 'string' },
      description: 'CSV label columns (ingest.label_columns), not stored as sensors.',
    },
  },
} as const;

const rejectedProblem = {
  description: 'A problem document; for refused rows it lists them (nothing was stored).',
  content: {
    'application/problem+json': {
      schema: {
        ...problemSchema,
        properties: { ...problemSchema.properties, rejectedRows: { type: 'integer' }, rejections: { type: 'array', items: rejection } },
      },
    },
  },
};

const consumes = Object.values(mediaTypes).flat();

/**
 * `POST /ingest` (operator): sensor points in JSON, CSV or line protocol (by Content-Type; gzip with
 * Content-Encoding), streamed through the shared parsers into the configured SensorWriter, with the
 * per-sensor watermarks. `POST /ingest/parse`: the same parse, answered with the points, nothing stored.
 * Registered in a scope of its own: its content-type parser hands the handler the raw body stream.
 */
export async function ingestRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  const tags = ['ingest'];
  const limits = deps.config.ingest;
  // Concurrent requests share commits (group commit); each is answered once its own points are stored.
  const grouped = deps.sensorWriter === undefined ? undefined : new GroupCommitSensorWriter(deps.sensorWriter);
  // Line protocol (the high-rate feeds) is parsed on worker threads, beside the main thread's store writes.
  const lineParsers = new LineProtocolWorkerPool();
  app.addHook('onClose', () => lineParsers.close());

  app.post<{ Querystring: IngestQuery }>(
    '/ingest',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Store sensor points: JSON, CSV or InfluxDB line protocol, chosen by Content-Type; gzip accepted; streamed.',
        description:
          'JSON: `[{"tag","time","value"}]` or `[{"time","values":{"<tag>":v}}]`. CSV: wide (a time column and one column per tag) or long ' +
          '(tag,time,value); delimiter and time format detected. Line protocol: the `tag` tag (ingest.line_protocol_sensor_tag) names the ' +
          'sensor. All or nothing unless partial=true.',
        consumes,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            partial: {
              type: 'boolean',
              default: false,
              description: 'Store the good rows and list the rejected ones, instead of storing nothing.',
            },
            create_tags: { type: 'boolean', description: 'Create unknown sensors (default ingest.create_tags), or refuse them.' },
            ...parseQuery,
          },
        },
        response: { 200: summarySchema, ...problems(...authProblems, 413, 415, 422, 501), 400: rejectedProblem },
      },
    },
    async (request, reply) => {
      if (grouped === undefined) throw notOffered('sensor_data', deps.config.providers.sensor_data.type, 'SensorWriter (ingest)');
      const { format, settings, labelColumns } = prepare(request, deps);
      const createTags = request.query.create_tags ?? limits.createTags;
      if (!createTags && deps.sensorExists === undefined)
        throw notOffered('sensor_information', deps.config.providers.sensor_information.type, 'a sensor lookup (create_tags=false)');
      try {
        const input = body(request, deps);
        const chunks = format === 'line' ? lineParsers.parse(input, lineProtocolOptions(settings)) : parsePoints(format, input, settings);
        const summary = await grouped.track(() =>
          ingestChunks(chunks, grouped, {
            partial: request.query.partial ?? false,
            createTags,
            maxListed: limits.maxListedRejections,
            spoolMemoryPoints: Math.max(limits.batchPoints * 4, 100_000),
            ...(deps.sensorExists === undefined ? {} : { sensorExists: deps.sensorExists }),
          }),
        );
        return reply.send(view(format, summary, labelColumns));
      } catch (err) {
        return answerInputError(err, request, reply);
      }
    },
  );

  app.post<{ Querystring: IngestQuery }>(
    '/ingest/parse',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Parse sensor points as POST /ingest does and answer them (long JSON), storing nothing.',
        consumes,
        querystring: { type: 'object', additionalProperties: false, properties: parseQuery },
        response: {
          200: {
            type: 'object',
            properties: {
              format: { type: 'string' },
              points: {
                type: 'array',
                items: { type: 'object', properties: { tag: { type: 'string' }, time: { type: 'string' }, value: { type: 'number' } } },
              },
              rows: { type: 'integer' },
              pointCount: { type: 'integer' },
              rejectedRows: { type: 'integer' },
              rejections: { type: 'array', items: rejection },
            },
          },
          ...problems(...authProblems, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const { format, settings } = prepare(request, deps);
      const chunks = parsePoints(format, body(request, deps), settings);
      // The first chunk is read before answering, so an unreadable input (a bad header) is still a problem document.
      let first: IteratorResult<ParsedChunk>;
      try {
        first = await chunks.next();
      } catch (err) {
        return answerInputError(err, request, reply);
      }
      return reply.type('application/json').send(Readable.from(parsedJson(format, first, chunks, limits.maxListedRejections)));
    },
  );
}

function prepare(
  request: FastifyRequest<{ Querystring: IngestQuery }>,
  deps: ApiDeps,
): { format: IngestFormat; settings: ParseSettings; labelColumns: string[] } {
  const format = formatOfContentType(request.headers['content-type']);
  if (format === undefined) {
    throw new ApiProblem(
      415,
      'Unsupported Media Type',
      `send the points as ${Object.values(mediaTypes).flat().join(', ')} (got ${JSON.stringify(request.headers['content-type'] ?? 'none')})`,
      'header.content-type',
    );
  }
  const encoding = request.headers['content-encoding']?.toLowerCase();
  if (encoding !== undefined && encoding !== 'gzip' && encoding !== 'identity')
    throw new ApiProblem(
      415,
      'Unsupported Media Type',
      `Content-Encoding ${encoding} is not supported; send gzip or none`,
      'header.content-encoding',
    );
  const length = Number(request.headers['content-length']);
  if (Number.isFinite(length) && length > deps.config.ingest.maxBodyBytes) {
    throw new ApiProblem(
      413,
      'Content Too Large',
      `the body is larger than ingest.max_body (${deps.config.ingest.maxBodyBytes} bytes)`,
      'body',
    );
  }
  const q = request.query;
  if (q.timezone !== undefined) {
    const problem = timezoneProblem(q.timezone);
    if (problem !== undefined) throw badRequest('query.timezone', `query.timezone: ${problem}`);
  }
  const precision = toPrecision(q.precision);
  if (precision === undefined) throw badRequest('query.precision', 'query.precision must be n, ns, u, us, ms, s, m or h');
  if (q.delimiter !== undefined && q.delimiter.length > 1 && q.delimiter !== 'tab')
    throw badRequest('query.delimiter', 'query.delimiter must be one character or tab');
  const labelColumns: string[] = [];
  const settings: ParseSettings = {
    batchPoints: deps.config.ingest.batchPoints,
    now: deps.clock,
    precision,
    sensorTag: deps.config.ingest.lineProtocolSensorTag,
    labelColumns: deps.config.ingest.labelColumns,
    timeFormat: toTimeFormat(q.time_format),
    onLayout: (layout) => {
      const names = new Set(deps.config.ingest.labelColumns.map((l) => l.toLowerCase()));
      if (layout.shape === 'wide') labelColumns.push(...layout.header.filter((h) => names.has(h.toLowerCase())));
    },
    ...(q.timezone === undefined ? {} : { timezone: q.timezone }),
    ...(q.tag_prefix === undefined ? {} : { tagPrefix: q.tag_prefix }),
    ...(q.delimiter === undefined ? {} : { delimiter: q.delimiter }),
    ...(q.layout === undefined ? {} : { shape: q.layout }),
    ...(q.time_column === undefined ? {} : { timeColumn: q.time_column }),
  };
  return { format, settings, labelColumns };
}

function body(request: FastifyRequest, deps: ApiDeps): AsyncGenerator<Buffer> {
  return bodyChunks(request.body as Readable, {
    gzip: request.headers['content-encoding']?.toLowerCase() === 'gzip',
    maxBytes: deps.config.ingest.maxBodyBytes,
    limitKey: 'ingest.max_body',
  });
}

function view(format: IngestFormat, s: IngestSummary, labelColumns: string[]): Record<string, unknown> {
  return {
    format,
    rows: s.rows,
    points: s.points,
    nonFinite: s.nonFinite,
    rejectedRows: s.rejectedRows,
    rejections: s.rejections,
    sensors: s.sensors,
    ...(s.unknownSensors.length === 0 ? {} : { unknownSensors: s.unknownSensors }),
    ...(labelColumns.length === 0 ? {} : { labelColumns }),
  };
}

/** A refused input as a problem document; other errors go to the API's error handler. */
function answerInputError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (!(err instanceof IngestInputError)) throw err;
  if (!request.raw.complete) reply.header('connection', 'close'); // the rest of the body is not read
  if (err instanceof IngestRejectedError) {
    return reply
      .code(400)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: err.message,
        instance: request.url.split('?')[0]!,
        field: 'body',
        rejectedRows: err.summary.rejectedRows,
        rejections: err.summary.rejections,
      });
  }
  return sendProblem(reply, request, err.status, err.message, err.field === 'time_column' ? 'query.time_column' : err.field);
}

/** The parse answer as JSON text, chunk by chunk, so a large body is never held as one string. */
async function* parsedJson(
  format: IngestFormat,
  first: IteratorResult<ParsedChunk>,
  rest: AsyncGenerator<ParsedChunk>,
  maxListed: number,
): AsyncGenerator<string> {
  yield `{"format":${JSON.stringify(format)},"points":[`;
  let separator = '';
  let rows = 0;
  let points = 0;
  let rejectedRows = 0;
  const rejections: unknown[] = [];
  let next = first;
  while (!next.done) {
    const chunk = next.value;
    rows += chunk.rows;
    points += chunk.pointCount;
    rejectedRows += chunk.rejections.length;
    for (const r of chunk.rejections) if (rejections.length < maxListed) rejections.push(r);
    let text = '';
    for (const series of chunk.points) {
      const tag = JSON.stringify(series.sensor);
      for (let i = 0; i < series.timesMs.length; i++) {
        text += `${separator}{"tag":${tag},"time":"${new Date(series.timesMs[i]!).toISOString()}","value":${JSON.stringify(series.values[i])}}`;
        separator = ',';
      }
    }
    yield text;
    next = await rest.next();
  }
  yield `],"rows":${rows},"pointCount":${points},"rejectedRows":${rejectedRows},"rejections":${JSON.stringify(rejections)}}`;
}
