import type { FastifyInstance } from 'fastify';
import type { ReadPredictionsOptions } from '../../contracts/PredictionReader.js';
import type { PredictionRow } from '../../domain/Prediction.js';
import { timeRange, type TimeRange } from '../../domain/TimeRange.js';
import type { ApiDeps } from '../ApiDeps.js';
import { notOffered } from '../ApiServer.js';
import { decodeCursor, encodeCursor, finiteOrNull, iso, parseDuration, parseRange } from '../params.js';
import { badRequest, notFound } from '../problem.js';
import { authProblems, modelParams, pageQuery, problems, time } from '../schemas.js';
import { pageLimit } from './paging.js';
import { predictionColumnsJson, predictionColumnsOfRows } from './predictionColumns.js';

const predictionFields = ['outputs', 'contributions', 'details'] as const;
export type PredictionField = (typeof predictionFields)[number];
const perTag = { type: 'object', additionalProperties: { type: ['number', 'null'] } } as const;

const predictionsPage = {
  type: 'object',
  required: ['project', 'model', 'tags', 'items'],
  properties: {
    project: { type: 'string' },
    model: { type: 'string' },
    revision: { type: ['string', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['time', 'totalAnomaly', 'threshold', 'isAnomaly'],
        properties: {
          time,
          totalAnomaly: { type: ['number', 'null'] },
          threshold: { type: ['number', 'null'] },
          isAnomaly: { type: 'boolean' },
          outputs: perTag,
          contributions: perTag,
          details: perTag,
        },
      },
    },
    next: { type: 'string' },
  },
} as const;

/** `format=columns`: the same page column by column (one array per field, per-tag arrays in `tags` order). */
export const PREDICTION_COLUMNS_TYPE = 'application/vnd.latigo.prediction-columns+json';
const numbers = { type: 'array', items: { type: ['number', 'null'] } } as const;
const predictionColumns = {
  type: 'object',
  required: ['project', 'model', 'tags', 'time', 'totalAnomaly', 'threshold', 'isAnomaly'],
  properties: {
    project: { type: 'string' },
    model: { type: 'string' },
    revision: { type: ['string', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
    time: { type: 'array', items: time },
    totalAnomaly: numbers,
    threshold: numbers,
    isAnomaly: { type: 'array', items: { type: 'boolean' } },
    outputs: { type: 'array', items: numbers, description: 'One column per tag, in `tags` order.' },
    contributions: { type: 'array', items: numbers, description: 'One column per tag, in `tags` order.' },
    next: { type: 'string' },
  },
} as const;

const sensorData = {
  type: 'object',
  required: ['from', 'to', 'resolutionSeconds', 'tags', 'timestamps', 'columns', 'quality'],
  properties: {
    from: time,
    to: time,
    resolutionSeconds: { type: 'number' },
    tags: { type: 'array', items: { type: 'string' } },
    timestamps: { type: 'array', items: time },
    columns: { type: 'array', items: { type: 'array', items: { type: ['number', 'null'] } } },
    quality: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;

const rangeQuery = {
  from: { type: 'string', description: 'Start, ISO 8601 with offset (inclusive).' },
  to: { type: 'string', description: 'End, ISO 8601 with offset (exclusive).' },
} as const;

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function parseFields(text: string | undefined): Set<PredictionField> {
  if (text === undefined || text === '') return new Set(predictionFields);
  const fields = new Set<PredictionField>();
  for (const name of text.split(',').map((f) => f.trim())) {
    if (!(predictionFields as readonly string[]).includes(name))
      throw badRequest(
        'query.fields',
        `query.fields: unknown field "${name}"; expected a comma-separated list of ${predictionFields.join(', ')}`,
      );
    fields.add(name as PredictionField);
  }
  return fields;
}

/** `GET .../predictions` (PredictionReader) and `GET .../sensor-data` (SensorDataProvider) of one model. */
export function predictionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['predictions'];
  const { api } = deps.config;
  app.get<{
    Params: { project: string; model: string };
    Querystring: {
      from: string;
      to: string;
      fields?: string;
      revision?: string;
      format?: 'rows' | 'columns';
      limit?: number;
      cursor?: string;
    };
  }>(
    '/models/:project/:model/predictions',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Stored predictions of one model, oldest first: score, threshold, flag and per-tag outputs and contributions.',
        params: modelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to'],
          properties: {
            ...rangeQuery,
            fields: { type: 'string', description: 'Comma-separated: outputs, contributions, details (default all).' },
            revision: { type: 'string', minLength: 1 },
            format: {
              type: 'string',
              enum: ['rows', 'columns'],
              default: 'rows',
              description: `rows: one object per timestamp (application/json); columns: one array per field (${PREDICTION_COLUMNS_TYPE}), several times faster to produce and parse for long ranges. Per-tag details are given in rows only.`,
            },
            ...pageQuery,
          },
        },
        response: {
          200: {
            description: 'The predictions of the range, oldest first, as rows or as columns (query.format).',
            content: { 'application/json': { schema: predictionsPage }, [PREDICTION_COLUMNS_TYPE]: { schema: predictionColumns } },
          },
          ...problems(...authProblems, 404, 501),
        },
      },
    },
    async (request, reply) => {
      const { project, model } = request.params;
      const q = request.query;
      const range = parseRange(q.from, q.to, 'query', api.maxRangeMs);
      const fields = parseFields(q.fields);
      // Predictions pages are larger than other lists: a day at 10 s is 8,640 rows.
      const limit = pageLimit(q.limit, { defaultPageSize: api.maxPageSize, maxPageSize: Math.max(api.maxPageSize, 10_000) });
      const afterMs = q.cursor === undefined ? undefined : decodeCursor(q.cursor, isTime);
      const query: PredictionsQuery = {
        project,
        model,
        range,
        limit,
        ...(afterMs === undefined ? {} : { afterMs }),
        ...(q.revision === undefined ? {} : { revision: q.revision }),
      };
      if (q.format === 'columns') return reply.type(PREDICTION_COLUMNS_TYPE).send(await storedPredictionColumnsJson(deps, query, fields));
      const { head, rows, truncated } = await readStoredPredictions(deps, query);
      const last = rows.at(-1);
      const next = truncated && last ? { next: encodeCursor(last.timeMs) } : {};
      return reply.type('application/json').send({ ...head, items: predictionItemsOf(rows, head.tags, fields), ...next });
    },
  );

  app.get<{ Params: { project: string; model: string }; Querystring: { from: string; to: string; resolution?: string } }>(
    '/models/:project/:model/sensor-data',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: "The model's input data, resampled (mean) onto its resolution or the one asked for.",
        params: modelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to'],
          properties: {
            ...rangeQuery,
            resolution: { type: 'string', description: "Bucket size such as 10s or 5m (default: the model's)." },
          },
        },
        response: { 200: sensorData, ...problems(...authProblems, 404, 501) },
      },
    },
    async (request) => {
      const { project, model } = request.params;
      const q = request.query;
      const range = parseRange(q.from, q.to, 'query', api.maxRangeMs);
      const resolutionMs = q.resolution === undefined ? undefined : parseDuration(q.resolution, 'query.resolution');
      return readSensorData(deps, { project, model, range, ...(resolutionMs === undefined ? {} : { resolutionMs }) }, 'query.resolution');
    },
  );
}

/** What a predictions read asks for: one model, a validated range, after a position (exclusive) when given. */
export interface PredictionsQuery {
  readonly project: string;
  readonly model: string;
  readonly range: TimeRange;
  readonly fields?: ReadonlySet<PredictionField>;
  readonly revision?: string;
  readonly limit: number;
  readonly afterMs?: number;
}

/**
 * The read behind one page of a model's stored predictions: the rows after `afterMs` (exclusive) in the range,
 * one more than `limit` (which tells whether another page follows); undefined when the cursor is past the
 * range. Throws ApiProblem 501 without a PredictionReader and 404 for an unknown model.
 */
async function pageRead(deps: ApiDeps, query: PredictionsQuery) {
  const { project, model, range, limit, afterMs } = query;
  const reader = deps.reader;
  if (reader === undefined)
    throw notOffered('prediction_storage', deps.config.providers.prediction_storage.type, 'reading predictions (PredictionReader)');
  if (!(await deps.models.modelExists(project, model))) throw notFound(`no model ${project}/${model}`, 'params.model');
  const readFrom = afterMs === undefined ? range.fromMs : Math.max(range.fromMs, afterMs + 1);
  if (readFrom >= range.toMs) return undefined;
  const options: ReadPredictionsOptions = { limit: limit + 1, ...(query.revision === undefined ? {} : { revision: query.revision }) };
  return { reader, ref: { project, name: model }, range: timeRange(readFrom, range.toMs), options };
}

/** The fields of a page before its rows; a reader's '' revision (no rows) is null. */
function pageHead(query: PredictionsQuery, revision: string | null, tagNames: readonly string[]) {
  return { project: query.project, model: query.model, revision: revision === '' ? null : revision, tags: [...tagNames] };
}

/**
 * One page of a model's stored predictions as rows, and whether more follow. The read behind the row form of
 * `GET .../predictions` and the live feed's `getPredictions`.
 */
async function readStoredPredictions(deps: ApiDeps, query: PredictionsQuery) {
  const read = await pageRead(deps, query);
  if (read === undefined) return { head: pageHead(query, query.revision ?? null, []), rows: [], truncated: false };
  const stored = await read.reader.readPredictions(read.ref, read.range, read.options);
  return {
    head: pageHead(query, stored.revision, stored.tagNames),
    rows: stored.rows.slice(0, query.limit),
    truncated: stored.rows.length > query.limit,
  };
}

/**
 * The columns form of `GET .../predictions` (its body, written by predictionColumnsJson): the reader's own
 * column read when it has one, its rows transposed otherwise.
 */
async function storedPredictionColumnsJson(deps: ApiDeps, query: PredictionsQuery, fields: ReadonlySet<PredictionField>) {
  const read = await pageRead(deps, query);
  const { project, model } = query;
  const columns =
    read === undefined
      ? predictionColumnsOfRows({ project, model, revision: query.revision ?? '', tagNames: [], rows: [] })
      : read.reader.readPredictionColumns !== undefined
        ? await read.reader.readPredictionColumns(read.ref, read.range, read.options)
        : predictionColumnsOfRows(await read.reader.readPredictions(read.ref, read.range, read.options));
  const truncated = columns.timeMs.length > query.limit;
  const lastMs = columns.timeMs[Math.min(columns.timeMs.length, query.limit) - 1];
  return predictionColumnsJson(
    pageHead(query, columns.revision, columns.tagNames),
    columns,
    query.limit,
    { outputs: fields.has('outputs'), contributions: fields.has('contributions') },
    truncated && lastMs !== undefined ? encodeCursor(lastMs) : undefined,
  );
}

/** The row form: one object per timestamp, per-tag values keyed by tag name (non-finite numbers as null). */
function predictionItemsOf(rows: readonly PredictionRow[], names: readonly string[], fields: ReadonlySet<PredictionField>) {
  const byTag = (values: readonly number[]) => Object.fromEntries(names.map((n, i) => [n, finiteOrNull(values[i] ?? Number.NaN)]));
  return rows.map((r) => ({
    time: iso(r.timeMs),
    totalAnomaly: finiteOrNull(r.totalAnomaly),
    threshold: finiteOrNull(r.threshold),
    isAnomaly: r.isAnomaly,
    ...(fields.has('outputs') ? { outputs: byTag(r.outputs) } : {}),
    ...(fields.has('contributions') ? { contributions: byTag(r.contributions) } : {}),
    ...(fields.has('details') && r.details !== undefined ? { details: r.details } : {}),
  }));
}

/**
 * Stored predictions of one model in the row form (the body of `GET .../predictions` without its cursor), for
 * the live feed's `getPredictions`. `truncated`: more rows follow `lastTimeMs` in the range.
 */
export async function readPredictionsPage(deps: ApiDeps, query: PredictionsQuery) {
  const { head, rows, truncated } = await readStoredPredictions(deps, query);
  const items = predictionItemsOf(rows, head.tags, query.fields ?? new Set(predictionFields));
  return { ...head, items, truncated, lastTimeMs: rows.at(-1)?.timeMs };
}

/**
 * A model's input data over `range`, resampled onto its resolution or `resolutionMs` (the body of
 * `GET .../sensor-data`), shared by the HTTP route and the live feed's `getSensorData`. Throws ApiProblem
 * 501 without sensor data, 404 for an unknown model, 400 (naming `resolutionField`) past 100,000 buckets.
 */
export async function readSensorData(
  deps: ApiDeps,
  query: { project: string; model: string; range: TimeRange; resolutionMs?: number },
  resolutionField: string,
) {
  const { project, model, range } = query;
  if (deps.sensorData === undefined) throw notOffered('sensor_data', deps.config.providers.sensor_data.type, 'sensor data');
  if (!(await deps.models.modelExists(project, model))) throw notFound(`no model ${project}/${model}`, 'params.model');
  const described = await deps.models.describeModel(project, model);
  const step = query.resolutionMs ?? described.resolutionMs;
  if ((range.toMs - range.fromMs) / step > 100_000)
    throw badRequest(resolutionField, 'the range holds more than 100,000 buckets at this resolution; ask for a coarser one');
  const frame = await deps.sensorData.getData(described.inputTags, range, step);
  return {
    from: iso(range.fromMs),
    to: iso(range.toMs),
    resolutionSeconds: step / 1000,
    tags: frame.tags.map((t) => t.name),
    timestamps: Array.from(frame.timestamps, (t) => iso(t)),
    columns: frame.columns.map((c) => Array.from(c, finiteOrNull)),
    quality: { ...frame.quality },
  };
}
