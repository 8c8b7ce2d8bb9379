import type { FastifyInstance } from 'fastify';
import type { EpisodeFilter } from '../../episodes/EpisodeStore.js';
import { episodeView } from '../../episodes/episodeRows.js';
import type { ApiDeps } from '../ApiDeps.js';
import { parseTime } from '../params.js';
import { ApiProblem } from '../problem.js';
import { authProblems, modelParams, problems } from '../schemas.js';
import { pageLimit } from './paging.js';

const episodeItem = {
  type: 'object',
  required: ['id', 'project', 'model', 'revision', 'start', 'open', 'points', 'peakScore', 'meanScore', 'threshold', 'severity', 'topTags'],
  properties: {
    id: { type: 'string' },
    project: { type: 'string' },
    model: { type: 'string' },
    revision: { type: 'string' },
    start: { type: 'string', format: 'date-time' },
    end: { type: ['string', 'null'], format: 'date-time', description: 'null while the episode is open.' },
    lastAnomalyEnd: { type: 'string', format: 'date-time', description: 'The end of the last anomalous point so far.' },
    open: { type: 'boolean' },
    points: { type: 'integer' },
    peakScore: { type: 'number' },
    meanScore: { type: 'number' },
    threshold: { type: 'number', description: 'The threshold at the peak.' },
    severity: { type: 'string', enum: ['warning', 'critical'] },
    topTags: {
      type: 'array',
      items: { type: 'object', properties: { tag: { type: 'string' }, share: { type: 'number' } } },
    },
  },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    open: { type: 'boolean', description: 'Only open (true) or closed (false) episodes.' },
    from: { type: 'string', description: 'Episodes ending after this time (ISO 8601).' },
    to: { type: 'string', description: 'Episodes starting before this time (ISO 8601).' },
    limit: { type: 'integer', minimum: 1 },
  },
} as const;

type ListQuery = { open?: boolean; from?: string; to?: string; limit?: number };

/** Anomaly episodes (issue 19): `GET /episodes` and `GET /models/{project}/{model}/episodes`, newest first. */
export function episodeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['episodes'];
  const list = async (query: ListQuery, model?: { project: string; model: string }) => {
    if (deps.episodes === undefined) throw new ApiProblem(501, 'Not Implemented', 'episodes are not available in this process');
    const filter: EpisodeFilter = {
      limit: pageLimit(query.limit, deps.config.api),
      ...(model ?? {}),
      ...(query.open === undefined ? {} : { open: query.open }),
      ...(query.from === undefined ? {} : { fromMs: parseTime(query.from, 'query.from') }),
      ...(query.to === undefined ? {} : { toMs: parseTime(query.to, 'query.to') }),
    };
    return { items: (await deps.episodes.list(filter)).map(episodeView) };
  };
  const response = { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: episodeItem } } } };
  app.get<{ Querystring: ListQuery }>(
    '/episodes',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Anomaly episodes of every model, newest first; `open=true` for the ongoing ones.',
        querystring: listQuery,
        response: { ...response, ...problems(...authProblems) },
      },
    },
    async (request) => list(request.query),
  );
  app.get<{ Params: { project: string; model: string }; Querystring: ListQuery }>(
    '/models/:project/:model/episodes',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: "A model's anomaly episodes, newest first.",
        params: modelParams,
        querystring: listQuery,
        response: { ...response, ...problems(...authProblems) },
      },
    },
    async (request) => list(request.query, { project: request.params.project, model: request.params.model }),
  );
}
