import type { TrainingRecord } from '../../ledger/ModelTrainingStore.js';
import type { FastifyInstance } from 'fastify';
import { windowStates, type WindowRecord, type WindowState } from '../../ledger/windowTypes.js';
import type { ApiDeps } from '../ApiDeps.js';
import type { ModelStatus } from '../freshness.js';
import { decodeCursor, encodeCursor, iso, parseTime } from '../params.js';
import { badRequest, notFound } from '../problem.js';
import { authProblems, modelParams, optionalTime, pageOf, pageQuery, problems, time } from '../schemas.js';
import { pageLimit } from './paging.js';

const modelSummary = {
  type: 'object',
  required: ['project', 'model', 'revision', 'stale'],
  properties: {
    project: { type: 'string' },
    model: { type: 'string' },
    revision: { type: 'string' },
    lastWindowEnd: optionalTime,
    lastWindowState: { type: ['string', 'null'] },
    stalenessSeconds: { type: ['number', 'null'] },
    stale: { type: 'boolean' },
  },
} as const;

const modelDetail = {
  type: 'object',
  required: [...modelSummary.required, 'phase', 'tags', 'resolutionSeconds', 'schedule', 'trainingRange', 'trained'],
  properties: {
    ...modelSummary.properties,
    phase: { type: 'string' },
    tags: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, asset: { type: 'string' } } },
    },
    targetTags: { type: 'array', items: { type: 'string' } },
    resolutionSeconds: { type: 'number' },
    schedule: { type: 'object', properties: { intervalSeconds: { type: 'number' }, delaySeconds: { type: 'number' } } },
    trainingRange: { type: 'object', properties: { from: time, to: time } },
    trained: { type: 'boolean' },
    training: {
      type: 'object',
      description: "Models defined over the API or `latigo models define`: how the current revision's training went.",
      required: ['revision', 'state'],
      properties: {
        revision: { type: 'string', description: "The revision trained: the current definition's." },
        state: { type: 'string', enum: ['pending', 'training', 'ready', 'failed'] },
        reason: { type: 'string', description: 'Why training failed: too few rows, constant tags (named).' },
        startedAt: time,
        finishedAt: time,
        elapsedSeconds: { type: 'number', description: 'Training so far (training) or in total (ready, failed).' },
      },
    },
    openAnomaly: {
      type: ['object', 'null'],
      properties: { time, totalAnomaly: { type: ['number', 'null'] }, threshold: { type: 'number' } },
    },
  },
} as const;

const windowItem = {
  type: 'object',
  required: ['taskId', 'revision', 'from', 'to', 'state', 'origin', 'attempts', 'createdAt'],
  properties: {
    taskId: { type: 'string' },
    revision: { type: 'string' },
    from: time,
    to: time,
    state: { type: 'string', enum: windowStates },
    origin: { type: 'string' },
    attempts: { type: 'integer' },
    createdAt: time,
    enqueuedAt: optionalTime,
    startedAt: optionalTime,
    finishedAt: optionalTime,
    errorClass: { type: ['string', 'null'] },
    errorMessage: { type: ['string', 'null'] },
    rowsWritten: { type: ['integer', 'null'] },
    quality: { type: ['object', 'null'], additionalProperties: { type: 'number' } },
  },
} as const;

function summaryOf(m: ModelStatus): Record<string, unknown> {
  return {
    project: m.project,
    model: m.name,
    revision: m.revision,
    lastWindowEnd: m.lastFinishedToMs === undefined ? null : iso(m.lastFinishedToMs),
    lastWindowState: m.lastState ?? null,
    stalenessSeconds: m.stalenessMs === undefined ? null : m.stalenessMs / 1000,
    stale: m.stale,
  };
}

export function windowOf(w: WindowRecord): Record<string, unknown> {
  const at = (v: number | undefined) => (v === undefined ? null : iso(v));
  return {
    taskId: w.taskId,
    revision: w.revision,
    from: iso(w.window.fromMs),
    to: iso(w.window.toMs),
    state: w.state,
    origin: w.origin,
    attempts: w.attempts,
    createdAt: iso(w.createdAt),
    enqueuedAt: at(w.enqueuedAt),
    startedAt: at(w.startedAt),
    finishedAt: at(w.finishedAt),
    errorClass: w.errorClass ?? null,
    errorMessage: w.errorMessage ?? null,
    rowsWritten: w.rowsWritten ?? null,
    quality: w.quality ?? null,
  };
}

const isKey = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string');
const isPosition = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';

/** Index of the first model after `[project, name]` in `models` (ordered by project and name): a binary search. */
function firstAfter(models: readonly ModelStatus[], [project, name]: [string, string]): number {
  let low = 0;
  let high = models.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const m = models[mid]!;
    if (m.project < project || (m.project === project && m.name <= name)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Serialized `GET /models` pages kept per cached statuses array (dropped with it). */
const MAX_CACHED_PAGES = 256;

/** `GET /models`, `GET /models/{project}/{model}`, `GET /models/{project}/{model}/windows`. */
export function modelRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['models'];
  const pages = new WeakMap<readonly ModelStatus[], Map<string, string>>();
  app.get<{ Querystring: { project?: string; model?: string; stale?: boolean; limit?: number; cursor?: string } }>(
    '/models',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Every model of the catalogue with its revision and freshness.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            project: { type: 'string', minLength: 1 },
            model: { type: 'string', minLength: 1, description: 'Models whose name contains this text.' },
            stale: { type: 'boolean', description: 'Only models breaching (true) or meeting (false) slo.max_staleness.' },
            ...pageQuery,
          },
        },
        response: { 200: pageOf(modelSummary), ...problems(...authProblems) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const limit = pageLimit(q.limit, deps.config.api);
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, isKey);
      const all = await deps.modelStatuses(q.project);
      // The statuses are cached for api.catalog_cache and replaced, not changed, on refresh: while the same
      // array is served, the same query gets the same page, serialized once (a page of 500 costs more to
      // build and serialize than to send, under many clients).
      const key = JSON.stringify([q.project, q.model, q.stale, limit, after]);
      const cached = pages.get(all)?.get(key);
      if (cached !== undefined) return reply.type('application/json; charset=utf-8').send(cached);
      let models = all;
      if (q.model !== undefined) models = models.filter((m) => m.name.includes(q.model!));
      if (q.stale !== undefined) models = models.filter((m) => m.stale === q.stale);
      const start = after === undefined ? 0 : firstAfter(models, after);
      const page = models.slice(start, start + limit);
      const last = page.at(-1);
      const body = reply.serializeInput(
        { items: page.map(summaryOf), ...(models.length > start + limit && last ? { next: encodeCursor([last.project, last.name]) } : {}) },
        '200',
      ) as string;
      let forStatuses = pages.get(all);
      if (forStatuses === undefined) pages.set(all, (forStatuses = new Map<string, string>()));
      if (forStatuses.size < MAX_CACHED_PAGES) forStatuses.set(key, body);
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get<{ Params: { project: string; model: string } }>(
    '/models/:project/:model',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'One model: revision, tags, resolution, schedule, training range, last window, freshness, open anomaly.',
        params: modelParams,
        response: { 200: modelDetail, ...problems(...authProblems, 404) },
      },
    },
    async (request) => {
      const { project, model } = request.params;
      if (!(await deps.models.modelExists(project, model))) throw notFound(`no model ${project}/${model}`, 'params.model');
      const [described, statuses, anomalies] = await Promise.all([
        deps.models.describeModel(project, model),
        deps.modelStatuses(project),
        deps.reader?.latestAnomalies({ limit: 1, project, model }) ?? Promise.resolve([]),
      ]);
      const training = await deps.definitions?.trainer?.journal.get(project, model, described.revision);
      const status = statuses.find((m) => m.name === model) ?? { ...described, stale: true };
      const phases = await deps.models.listModelPhases?.(project);
      const anomaly = anomalies[0];
      // An anomaly is open while it is the model's newest finished timestamp's neighbour: flagged in the newest window.
      const open =
        anomaly !== undefined &&
        status.lastFinishedToMs !== undefined &&
        anomaly.timeMs >= status.lastFinishedToMs - deps.config.scheduler.intervalMs;
      return {
        ...summaryOf(status),
        phase: phases?.find((p) => p.name === model)?.phase ?? 'ready',
        tags: described.inputTags.map((t) => ({ name: t.name, asset: t.asset })),
        targetTags: described.targetTags.map((t) => t.name),
        resolutionSeconds: described.resolutionMs / 1000,
        schedule: { intervalSeconds: deps.config.scheduler.intervalMs / 1000, delaySeconds: deps.config.scheduler.delayMs / 1000 },
        trainingRange: { from: iso(described.trainingRange.fromMs), to: iso(described.trainingRange.toMs) },
        // A defined model is trained when its journal says so; others are trained when their first window runs.
        trained: training === undefined || training.state === 'ready',
        ...(training === undefined ? {} : { training: trainingOf(training, deps.clock()) }),
        openAnomaly: open
          ? {
              time: iso(anomaly.timeMs),
              totalAnomaly: Number.isFinite(anomaly.totalAnomaly) ? anomaly.totalAnomaly : null,
              threshold: anomaly.threshold,
            }
          : null,
      };
    },
  );

  app.get<{
    Params: { project: string; model: string };
    Querystring: { state?: WindowState[]; from?: string; to?: string; revision?: string; limit?: number; cursor?: string };
  }>(
    '/models/:project/:model/windows',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'The ledger rows of one model, oldest first.',
        params: modelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: {
              type: 'array',
              items: { type: 'string', enum: windowStates },
              description: 'Only windows in these states (repeatable).',
            },
            from: { type: 'string', description: 'Windows starting at or after this time (ISO 8601).' },
            to: { type: 'string', description: 'Windows ending at or before this time (ISO 8601).' },
            revision: { type: 'string', minLength: 1 },
            ...pageQuery,
          },
        },
        response: { 200: pageOf(windowItem), ...problems(...authProblems, 404) },
      },
    },
    async (request) => {
      const { project, model } = request.params;
      const q = request.query;
      const limit = pageLimit(q.limit, deps.config.api);
      const fromMs = q.from === undefined ? undefined : parseTime(q.from, 'query.from');
      const toMs = q.to === undefined ? undefined : parseTime(q.to, 'query.to');
      if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs)
        throw badRequest('query.to', 'query.to must be later than query.from');
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, isPosition);
      if (!(await deps.models.modelExists(project, model))) throw notFound(`no model ${project}/${model}`, 'params.model');
      const rows = await deps.ledger.list(
        {
          project,
          model,
          ...(q.revision === undefined ? {} : { revision: q.revision }),
          ...(q.state === undefined ? {} : { states: q.state }),
          ...(fromMs === undefined ? {} : { fromMs }),
          ...(toMs === undefined ? {} : { toMs }),
        },
        limit + 1,
        after === undefined ? undefined : { fromMs: after[0], taskId: after[1] },
      );
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map(windowOf),
        ...(rows.length > limit && last ? { next: encodeCursor([last.window.fromMs, last.taskId]) } : {}),
      };
    },
  );
}

/** The journal entry as GET /models/{project}/{model} shows it. */
function trainingOf(record: TrainingRecord, nowMs: number): Record<string, unknown> {
  const end = record.finishedAt ?? (record.state === 'training' ? nowMs : undefined);
  return {
    revision: record.revision,
    state: record.state,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    ...(record.startedAt === undefined ? {} : { startedAt: iso(record.startedAt) }),
    ...(record.finishedAt === undefined ? {} : { finishedAt: iso(record.finishedAt) }),
    ...(record.startedAt === undefined || end === undefined ? {} : { elapsedSeconds: (end - record.startedAt) / 1000 }),
  };
}
