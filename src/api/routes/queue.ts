import type { FastifyInstance } from 'fastify';
import { windowStates } from '../../ledger/windowTypes.js';
import type { ApiDeps } from '../ApiDeps.js';
import { unservedCounts, waitingUnserved } from '../../processes/unservedLanes.js';
import { iso } from '../params.js';
import { authProblems, optionalTime, problems } from '../schemas.js';

const counts = (keys: readonly string[]) => ({ type: 'object', properties: Object.fromEntries(keys.map((k) => [k, { type: 'integer' }])) });

/** `GET /queue` (depth, lag, dead) and `GET /freshness` (models breaching slo.max_staleness). */
export function queueRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['queue'];
  const { inspector } = deps;
  // What waitingUnserved reads, bound once rather than on every request.
  const unserved = {
    ...unservedCounts(inspector),
    processes: () => deps.processes.list(deps.clock(), deps.config.api.lostAfterMs),
    pools: deps.config.executor.pools,
  };
  app.get(
    '/queue',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Queue depth by state (when the queue can tell), windows by state, lag, dead count and tasks no executor pool serves.',
        response: {
          200: {
            type: 'object',
            required: ['windows', 'lagSeconds'],
            properties: {
              depth: { anyOf: [counts(['ready', 'leased', 'delayed', 'dead']), { type: 'null' }] },
              windows: counts(windowStates),
              lagSeconds: { type: 'number' },
              dead: { type: ['integer', 'null'] },
              waitingUnserved: {
                anyOf: [{ type: 'object', additionalProperties: { type: 'integer' } }, { type: 'null' }],
                description:
                  'Ready tasks per model kind that no live executor serves (executor.pools); on a queue with a hub per pool, per pool keyed by its kinds joined with +; null when the queue can count neither by lane nor by pool.',
              },
            },
          },
          ...problems(...authProblems),
        },
      },
    },
    async () => {
      const [depth, ledger, oldest, waiting] = await Promise.all([
        inspector?.depth(),
        deps.ledger.counts(),
        deps.ledger.oldestQueuedSentAt(),
        waitingUnserved(unserved),
      ]);
      return {
        depth: depth ?? null,
        windows: ledger.byState,
        lagSeconds: oldest === undefined ? 0 : Math.max(0, deps.clock() - oldest) / 1000,
        dead: depth?.dead ?? null,
        waitingUnserved: waiting ?? null,
      };
    },
  );

  app.get<{ Querystring: { project?: string } }>(
    '/freshness',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Models whose newest finished window is older than slo.max_staleness (or that never finished one).',
        querystring: { type: 'object', additionalProperties: false, properties: { project: { type: 'string', minLength: 1 } } },
        response: {
          200: {
            type: 'object',
            required: ['maxStalenessSeconds', 'models', 'stale'],
            properties: {
              maxStalenessSeconds: { type: 'number' },
              models: { type: 'integer' },
              stale: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['project', 'model'],
                  properties: {
                    project: { type: 'string' },
                    model: { type: 'string' },
                    lastWindowEnd: optionalTime,
                    stalenessSeconds: { type: ['number', 'null'] },
                  },
                },
              },
            },
          },
          ...problems(...authProblems),
        },
      },
    },
    async (request) => {
      const models = await deps.modelStatuses(request.query.project);
      return {
        maxStalenessSeconds: deps.config.slo.maxStalenessMs / 1000,
        models: models.length,
        stale: models
          .filter((m) => m.stale)
          .map((m) => ({
            project: m.project,
            model: m.name,
            lastWindowEnd: m.lastFinishedToMs === undefined ? null : iso(m.lastFinishedToMs),
            stalenessSeconds: m.stalenessMs === undefined ? null : m.stalenessMs / 1000,
          })),
      };
    },
  );
}
