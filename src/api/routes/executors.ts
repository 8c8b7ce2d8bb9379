import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../ApiDeps.js';
import { decodeCursor, encodeCursor, iso } from '../params.js';
import { authProblems, pageOf, pageQuery, problems, time } from '../schemas.js';
import { pageLimit } from './paging.js';

const processItem = {
  type: 'object',
  required: ['name', 'role', 'host', 'pid', 'version', 'startedAt', 'lastSeen', 'state', 'inFlight', 'done', 'failed', 'rate'],
  properties: {
    name: { type: 'string' },
    role: { type: 'string' },
    host: { type: 'string' },
    pid: { type: 'integer' },
    version: { type: 'string' },
    startedAt: time,
    lastSeen: time,
    state: { type: 'string', enum: ['live', 'lost'] },
    inFlight: { type: 'integer' },
    done: { type: 'integer' },
    failed: { type: 'integer' },
    rate: { type: 'number', description: 'Tasks finished per second over the last heartbeat interval.' },
    pool: { type: 'string', description: 'The executor pool (executor.pools) it serves; absent: every model kind.' },
  },
} as const;

const isName = (v: unknown): v is string => typeof v === 'string';

/** `GET /executors`: every scheduler and executor process from its heartbeats (Enodo's worker list). */
export function executorRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: { role?: string; state?: 'live' | 'lost'; limit?: number; cursor?: string } }>(
    '/executors',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['executors'],
        summary: 'Scheduler and executor processes with their counters; `lost` after api.lost_after without a heartbeat.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            role: { type: 'string', enum: ['scheduler', 'executor', 'api'] },
            state: { type: 'string', enum: ['live', 'lost'] },
            ...pageQuery,
          },
        },
        response: { 200: pageOf(processItem), ...problems(...authProblems) },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = pageLimit(q.limit, deps.config.api);
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, isName);
      let rows = await deps.processes.list(deps.clock(), deps.config.api.lostAfterMs, q.role);
      if (q.state !== undefined) rows = rows.filter((r) => r.state === q.state);
      if (after !== undefined) rows = rows.filter((r) => r.name > after);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({ ...r, startedAt: iso(r.startedAt), lastSeen: iso(r.lastSeen) })),
        ...(rows.length > limit && last ? { next: encodeCursor(last.name) } : {}),
      };
    },
  );
}
