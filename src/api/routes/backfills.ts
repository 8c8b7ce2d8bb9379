import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { backfillStates, type BackfillJob, type BackfillState } from '../../backfills/BackfillJobStore.js';
import type { ApiDeps } from '../ApiDeps.js';
import { decodeCursor, encodeCursor, iso, parseTime } from '../params.js';
import { ApiProblem, badRequest, notFound } from '../problem.js';
import { authProblems, optionalTime, pageOf, pageQuery, problems, time } from '../schemas.js';
import { pageLimit } from './paging.js';

const share = { type: 'number', exclusiveMinimum: 0, maximum: 1 } as const;
const rate = { type: 'integer', minimum: 1, description: 'Most windows sent per minute.' } as const;

const jobSchema = {
  type: 'object',
  required: ['id', 'from', 'to', 'models', 'state', 'progress', 'requestedBy', 'createdAt', 'updatedAt', 'links'],
  properties: {
    id: { type: 'string' },
    from: time,
    to: time,
    covering: {
      type: ['object', 'null'],
      description: 'The range aligned outward to the window grid, once the job started.',
      properties: { from: time, to: time },
    },
    models: { type: ['array', 'null'], items: { type: 'string' }, description: 'Selected models; null for every model.' },
    state: { type: 'string', enum: backfillStates },
    windowsPerMinute: { type: ['integer', 'null'] },
    executorShare: { type: ['number', 'null'] },
    progress: {
      type: 'object',
      required: ['total', 'planned', 'finished'],
      properties: {
        total: { type: 'integer', description: 'Windows of the range for the selected models (0 until started).' },
        planned: { type: 'integer', description: 'Windows compared with the ledger and sent, or found recorded.' },
        finished: { type: 'integer', description: 'Windows finished in the ledger: succeeded, insufficient data or dead.' },
        percent: { type: 'number' },
        etaSeconds: { type: ['number', 'null'], description: 'From the rate windows finished since the job started.' },
      },
    },
    owner: { type: ['string', 'null'], description: 'The scheduler running the job now.' },
    error: { type: ['string', 'null'] },
    requestedBy: { type: 'string' },
    createdAt: time,
    updatedAt: time,
    startedAt: optionalTime,
    endedAt: optionalTime,
    links: { type: 'object', properties: { self: { type: 'string' } } },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;

/** A job as the API shows it, with its ETA from the rate of finished windows since it started. */
function jobView(job: BackfillJob, now: number): Record<string, unknown> {
  const active = job.state === 'running' || job.state === 'pending';
  const finishedSince = job.finished - (job.finishedAtStart ?? job.finished);
  const elapsedMs = job.startedAt === undefined ? 0 : now - job.startedAt;
  const left = Math.max(0, job.total - job.finished);
  const eta =
    active && finishedSince > 0 && elapsedMs > 0 ? (left * elapsedMs) / finishedSince / 1000 : left === 0 && job.total > 0 ? 0 : null;
  return {
    id: job.id,
    from: iso(job.fromMs),
    to: iso(job.toMs),
    covering: job.covering === undefined ? null : { from: iso(job.covering.fromMs), to: iso(job.covering.toMs) },
    models: job.models ?? null,
    state: job.state,
    windowsPerMinute: job.windowsPerMinute ?? null,
    executorShare: job.executorShare ?? null,
    progress: {
      total: job.total,
      planned: job.planned,
      finished: job.finished,
      percent: job.total === 0 ? (job.state === 'finished' ? 100 : 0) : Math.round((1000 * job.finished) / job.total) / 10,
      etaSeconds: eta === null ? null : Math.round(eta),
    },
    owner: job.owner ?? null,
    error: job.error ?? null,
    requestedBy: job.requestedBy,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    startedAt: job.startedAt === undefined ? null : iso(job.startedAt),
    endedAt: job.endedAt === undefined ? null : iso(job.endedAt),
    links: { self: `/api/v1/backfills/${job.id}` },
  };
}

const isPosition = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string';

/**
 * Backfill jobs: `POST /backfills` (409 when an active job covers the range), `GET /backfills[/{id}]`,
 * `PATCH /backfills/{id}` (pause, resume, rate, share) and `DELETE /backfills/{id}` (cancel). The API only
 * writes the job; a scheduler claims and runs it.
 */
export function backfillRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['backfills'];
  const { backfills } = deps;

  app.post<{ Body: { from: string; to: string; models?: string[]; windowsPerMinute?: number; executorShare?: number } }>(
    '/backfills',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Start a backfill job: the scheduler queues the windows of the range the ledger lacks, paced, and follows them.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to'],
          properties: {
            from: { type: 'string', description: 'Start of the range, ISO 8601 with offset.' },
            to: { type: 'string', description: 'End of the range (exclusive).' },
            models: {
              type: 'array',
              minItems: 1,
              maxItems: 10_000,
              items: { type: 'string', minLength: 1, maxLength: 401 },
              description: '"project/model" or model names; every model when absent.',
            },
            windowsPerMinute: rate,
            executorShare: { ...share, description: "Share of the live executors' concurrency the job may hold." },
          },
        },
        response: { 202: jobSchema, ...problems(...authProblems, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const fromMs = parseTime(body.from, 'body.from');
      const toMs = parseTime(body.to, 'body.to');
      if (toMs <= fromMs) throw badRequest('body.to', 'body.to must be later than body.from');
      if (fromMs > deps.clock()) throw badRequest('body.from', 'body.from is in the future: there is nothing to backfill yet');
      if (body.models !== undefined) {
        const known = await deps.modelStatuses();
        body.models.forEach((selector, i) => {
          const slash = selector.lastIndexOf('/');
          const found =
            slash < 0
              ? known.some((m) => m.name === selector)
              : known.some((m) => m.project === selector.slice(0, slash) && m.name === selector.slice(slash + 1));
          if (!found) throw notFound(`no model ${selector}`, `body.models.${i}`);
        });
      }
      const result = await backfills.create({
        id: randomUUID(),
        fromMs,
        toMs,
        ...(body.models === undefined ? {} : { models: body.models }),
        ...(body.windowsPerMinute === undefined ? {} : { windowsPerMinute: body.windowsPerMinute }),
        ...(body.executorShare === undefined ? {} : { executorShare: body.executorShare }),
        requestedBy: request.caller?.name ?? 'local',
      });
      if ('conflict' in result) {
        const other = result.conflict;
        throw new ApiProblem(
          409,
          'Conflict',
          `backfill ${other.id} (${other.state}) already covers ${iso(Math.max(other.fromMs, fromMs))} .. ${iso(Math.min(other.toMs, toMs))} ` +
            'for these models; wait for it, or cancel it first (DELETE /api/v1/backfills/{id})',
          'body.from',
        );
      }
      deps.log.info('backfill job created', { backfillId: result.created.id, requestedBy: result.created.requestedBy });
      return reply.code(202).header('location', `/api/v1/backfills/${result.created.id}`).send(jobView(result.created, deps.clock()));
    },
  );

  app.get<{ Querystring: { state?: BackfillState[]; limit?: number; cursor?: string } }>(
    '/backfills',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Backfill jobs, newest first, with their progress in finished windows and ETA.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { state: { type: 'array', items: { type: 'string', enum: backfillStates } }, ...pageQuery },
        },
        response: { 200: pageOf(jobSchema), ...problems(...authProblems) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = pageLimit(q.limit, deps.config.api);
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, isPosition);
      const jobs = await backfills.list(limit + 1, { ...(q.state === undefined ? {} : { states: q.state }), ...(after ? { after } : {}) });
      const page = jobs.slice(0, limit);
      const last = page.at(-1);
      const now = deps.clock();
      return {
        items: page.map((j) => jobView(j, now)),
        ...(jobs.length > limit && last ? { next: encodeCursor([last.createdAt, last.id]) } : {}),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/backfills/:id',
    {
      config: { role: 'viewer' },
      schema: { tags, summary: 'One backfill job.', params: idParams, response: { 200: jobSchema, ...problems(...authProblems, 404) } },
    },
    async (request) => {
      const job = await backfills.get(request.params.id);
      if (job === undefined) throw notFound(`no backfill ${request.params.id}`, 'params.id');
      return jobView(job, deps.clock());
    },
  );

  app.patch<{
    Params: { id: string };
    Body: { state?: 'paused' | 'running'; windowsPerMinute?: number | null; executorShare?: number | null };
  }>(
    '/backfills/:id',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Pause (state: paused) or resume (state: running) a job, or change its rate or executor share.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            state: { type: 'string', enum: ['paused', 'running'] },
            windowsPerMinute: { anyOf: [rate, { type: 'null' }], description: 'null: no limit beyond the share.' },
            executorShare: { anyOf: [share, { type: 'null' }], description: 'null: scheduler.backfill.executor_share.' },
          },
        },
        response: { 200: jobSchema, ...problems(...authProblems, 404, 409, 413, 415) },
      },
    },
    async (request) => {
      const updated = await backfills.update(request.params.id, request.body);
      if (updated === undefined) throw notFound(`no backfill ${request.params.id}`, 'params.id');
      if ('refused' in updated) throw new ApiProblem(409, 'Conflict', updated.refused, 'params.id');
      return jobView(updated, deps.clock());
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/backfills/:id',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Cancel a job: no more windows are sent; windows already queued are still predicted.',
        params: idParams,
        response: { 200: jobSchema, ...problems(...authProblems, 404, 409) },
      },
    },
    async (request) => {
      const updated = await backfills.update(request.params.id, { state: 'cancelled' });
      if (updated === undefined) throw notFound(`no backfill ${request.params.id}`, 'params.id');
      if ('refused' in updated) throw new ApiProblem(409, 'Conflict', updated.refused, 'params.id');
      return jobView(updated, deps.clock());
    },
  );
}
