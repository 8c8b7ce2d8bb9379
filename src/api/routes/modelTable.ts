import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../ApiDeps.js';
import { iso } from '../params.js';
import { authProblems, problems } from '../schemas.js';

/** How many of the newest anomalies (all models) the table reads to give each model its latest score. */
const RECENT_ANOMALIES = 2_000;

const column = (type: string | string[]) => ({ type: 'array', items: { type } });

/**
 * `GET /model-table`: every model in one response, as columns (one array per field, aligned by index), for a
 * client that filters and sorts thousands of models itself (the web page's models table). `/models` pages the
 * same list for scripts; with 9,000 models that is nine requests of object rows, this is one of arrays.
 */
export function modelTableRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: { project?: string } }>(
    '/model-table',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['models'],
        summary:
          'Every model as columns: project, name, revision, phase, newest finished window, staleness, and the score of its newest ' +
          `anomaly among the ${RECENT_ANOMALIES} newest of all models (null when none).`,
        querystring: { type: 'object', additionalProperties: false, properties: { project: { type: 'string', minLength: 1 } } },
        response: {
          200: {
            type: 'object',
            required: ['count', 'project', 'model', 'revision', 'phase', 'lastWindowEnd', 'lastWindowState', 'stalenessSeconds', 'stale'],
            properties: {
              count: { type: 'integer' },
              project: column('string'),
              model: column('string'),
              revision: column('string'),
              phase: column('string'),
              lastWindowEnd: column(['string', 'null']),
              lastWindowState: column(['string', 'null']),
              stalenessSeconds: column(['number', 'null']),
              stale: column('boolean'),
              anomalyScore: column(['number', 'null']),
              anomalyTime: column(['string', 'null']),
            },
          },
          ...problems(...authProblems),
        },
      },
    },
    async (request) => {
      const project = request.query.project;
      const [models, anomalies] = await Promise.all([
        deps.modelStatuses(project),
        deps.reader?.latestAnomalies({ limit: RECENT_ANOMALIES, ...(project === undefined ? {} : { project }) }) ?? Promise.resolve([]),
      ]);
      const newest = new Map<string, { timeMs: number; score: number }>();
      for (const a of anomalies) {
        const key = `${a.project}/${a.model}`;
        if (!newest.has(key)) newest.set(key, { timeMs: a.timeMs, score: a.totalAnomaly });
      }
      const phases = new Map<string, string>();
      if (deps.models.listModelPhases !== undefined) {
        const projects = [...new Set(models.map((m) => m.project))];
        for (const p of projects) for (const phase of await deps.models.listModelPhases(p)) phases.set(`${p}/${phase.name}`, phase.phase);
      }
      const anomaly = models.map((m) => newest.get(`${m.project}/${m.name}`));
      return {
        count: models.length,
        project: models.map((m) => m.project),
        model: models.map((m) => m.name),
        revision: models.map((m) => m.revision),
        phase: models.map((m) => phases.get(`${m.project}/${m.name}`) ?? 'ready'),
        lastWindowEnd: models.map((m) => (m.lastFinishedToMs === undefined ? null : iso(m.lastFinishedToMs))),
        lastWindowState: models.map((m) => m.lastState ?? null),
        stalenessSeconds: models.map((m) => (m.stalenessMs === undefined ? null : m.stalenessMs / 1000)),
        stale: models.map((m) => m.stale),
        anomalyScore: anomaly.map((a) => (a === undefined || !Number.isFinite(a.score) ? null : a.score)),
        anomalyTime: anomaly.map((a) => (a === undefined ? null : iso(a.timeMs))),
      };
    },
  );
}
