import type { FastifyInstance } from 'fastify';
import { timeRange } from '../../domain/TimeRange.js';
import { windowStates } from '../../ledger/windowTypes.js';
import { runOutcome } from '../../runs/runOutcome.js';
import type { RunRecord } from '../../runs/RunStore.js';
import type { ApiDeps } from '../ApiDeps.js';
import { iso, parseDuration, parseRange } from '../params.js';
import { ApiProblem, badRequest, notFound } from '../problem.js';
import { authProblems, modelParams, problems, time } from '../schemas.js';

const runBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', description: 'Start of the range, ISO 8601 with offset; with `to`.' },
    to: { type: 'string', description: 'End of the range (exclusive); with `from`.' },
    last: { type: 'string', description: 'Instead of from/to: the range ending now, e.g. 2h.' },
    rerun: {
      type: 'boolean',
      default: false,
      description: 'Recompute windows that already succeeded; their stored predictions are replaced.',
    },
    meta: { description: 'Any JSON, echoed back with the run (and in its result delivery).' },
    output: {
      type: 'string',
      description: "A `result` output: the run's outcome is delivered to it once the run finished, with `meta`.",
    },
    responseOutputID: { type: 'string', description: "Enodo's name for `output`." },
  },
} as const;

const byState = { type: 'object', properties: Object.fromEntries(windowStates.map((s) => [s, { type: 'integer' }])) } as const;

const runSchema = {
  type: 'object',
  required: ['id', 'project', 'model', 'revision', 'from', 'to', 'rerun', 'windows', 'queued', 'requestedBy', 'createdAt'],
  properties: {
    id: { type: 'string' },
    project: { type: 'string' },
    model: { type: 'string' },
    revision: { type: 'string' },
    from: time,
    to: time,
    rerun: { type: 'boolean' },
    windows: { type: 'integer' },
    queued: { type: 'integer' },
    meta: {},
    output: { type: 'string' },
    requestedBy: { type: 'string' },
    createdAt: time,
    state: { type: 'string', enum: ['running', 'finished'] },
    windowsByState: byState,
    links: { type: 'object', properties: { self: { type: 'string' }, windows: { type: 'string' }, predictions: { type: 'string' } } },
  },
} as const;

function runView(run: RunRecord): Record<string, unknown> {
  const model = `/api/v1/models/${encodeURIComponent(run.project)}/${encodeURIComponent(run.model)}`;
  const range = `from=${encodeURIComponent(iso(run.fromMs))}&to=${encodeURIComponent(iso(run.toMs))}`;
  return {
    id: run.id,
    project: run.project,
    model: run.model,
    revision: run.revision,
    from: iso(run.fromMs),
    to: iso(run.toMs),
    rerun: run.rerun,
    windows: run.windows,
    queued: run.queued,
    ...(run.meta === undefined ? {} : { meta: run.meta }),
    ...(run.outputId === undefined ? {} : { output: run.outputId }),
    requestedBy: run.requestedBy,
    createdAt: iso(run.createdAt),
    links: {
      self: `/api/v1/runs/${run.id}`,
      windows: `${model}/windows?${range}&revision=${encodeURIComponent(run.revision)}`,
      predictions: `${model}/predictions?${range}`,
    },
  };
}

/** The `result` output a run names (`output`, or Enodo's `responseOutputID`), checked to exist, be enabled and be of kind `result`. */
async function resultOutput(deps: ApiDeps, body: { output?: string; responseOutputID?: string }): Promise<string | undefined> {
  if (body.output !== undefined && body.responseOutputID !== undefined)
    throw badRequest('body.responseOutputID', 'body.responseOutputID is another name for body.output: give one of them');
  const field = body.output !== undefined ? 'body.output' : 'body.responseOutputID';
  const id = body.output ?? body.responseOutputID;
  if (id === undefined) return undefined;
  if (deps.outputs === undefined) throw new ApiProblem(501, 'Not Implemented', 'outputs are not available in this process', field);
  const problem = await deps.outputs.resultOutputProblem(id);
  if (problem !== undefined) throw new ApiProblem(422, 'Unprocessable Content', `${field}: ${problem}`, field);
  return id;
}

/** On-demand runs: `POST /models/{project}/{model}/runs` and `GET /runs/{id}`. */
export function runRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['runs'];
  app.post<{
    Params: { project: string; model: string };
    Body: { from?: string; to?: string; last?: string; rerun?: boolean; meta?: unknown; output?: string; responseOutputID?: string };
  }>(
    '/models/:project/:model/runs',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Predict the windows of a range now, through the same ledger, queue and executors as scheduled windows.',
        params: modelParams,
        body: runBody,
        response: { 202: runSchema, ...problems(...authProblems, 404, 413, 415, 422, 501) },
      },
    },
    async (request, reply) => {
      const { project, model } = request.params;
      const body = request.body ?? {};
      const now = deps.clock();
      let range;
      if (body.last !== undefined) {
        if (body.from !== undefined || body.to !== undefined)
          throw badRequest('body.last', 'body.last cannot be combined with body.from and body.to');
        const lastMs = parseDuration(body.last, 'body.last');
        if (lastMs > deps.config.api.maxRangeMs) throw badRequest('body.last', 'body.last is longer than api.max_range');
        range = timeRange(now - lastMs, now);
      } else {
        if (body.from === undefined) throw badRequest('body.from', 'body.from is required (or body.last)');
        if (body.to === undefined) throw badRequest('body.to', 'body.to is required with body.from');
        range = parseRange(body.from, body.to, 'body', deps.config.api.maxRangeMs);
      }
      if (!(await deps.models.modelExists(project, model))) throw notFound(`no model ${project}/${model}`, 'params.model');
      const outputId = await resultOutput(deps, body);
      const run = await deps.onDemand.create({
        project,
        model,
        range,
        rerun: body.rerun ?? false,
        ...(body.meta === undefined ? {} : { meta: body.meta }),
        ...(outputId === undefined ? {} : { outputId }),
        requestedBy: request.caller?.name ?? 'local',
      });
      if (run.windows === 0) {
        throw new ApiProblem(
          422,
          'Unprocessable Content',
          'the range holds no complete window of the schedule whose time has come',
          'body.to',
        );
      }
      return reply.code(202).header('location', `/api/v1/runs/${run.id}`).send(runView(run));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/runs/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'A run with its windows by state; `finished` once none is queued, running or waiting for a retry.',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        response: { 200: runSchema, ...problems(...authProblems, 404) },
      },
    },
    async (request) => {
      const run = await deps.runs.get(request.params.id);
      if (run === undefined) throw notFound(`no run ${request.params.id}`, 'params.id');
      return { ...runView(run), ...(await runOutcome(deps.ledger, run)) };
    },
  );
}
