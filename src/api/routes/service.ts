import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../ApiDeps.js';

const readinessSchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
} as const;

/** The probes and metrics every latigo process serves; public, like the other roles' endpoints. */
export function serviceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['service'];
  app.get(
    '/healthz',
    {
      schema: {
        tags,
        summary: 'Liveness: 200 while the process answers.',
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Readiness: 200 when the database and the queue answer, 503 otherwise.',
        response: {
          200: readinessSchema,
          503: readinessSchema,
        },
      },
    },
    async (_request, reply) => {
      const report = await deps.readiness();
      return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
    },
  );
  app.get(
    '/metrics',
    { schema: { tags, summary: 'Prometheus metrics (text format).', produces: ['text/plain'] } },
    async (_request, reply) => {
      const { contentType, body } = await deps.metrics();
      return reply.type(contentType).send(body);
    },
  );
}
