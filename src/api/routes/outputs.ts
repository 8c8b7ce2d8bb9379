import type { FastifyInstance } from 'fastify';
import type { OutboxEventLike } from '../../outputs/eventContext.js';
import type { DeliveryState } from '../../outputs/OutputStore.js';
import { OutputRequestError, type OutputService } from '../../outputs/OutputService.js';
import type { ApiDeps } from '../ApiDeps.js';
import { iso } from '../params.js';
import { ApiProblem } from '../problem.js';
import { authProblems, problems } from '../schemas.js';
import { pageLimit } from './paging.js';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
const tags = ['outputs'];
/** Responses are documented as open objects: an output's shape is its definition (outputs.definitions in the README). */
const ok = (status = 200) => ({ [status]: anyObject });

/** Outputs (issue 19): CRUD, preview, deliveries and re-send; admin only. */
export function outputRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const service = (): OutputService => {
    if (deps.outputs === undefined) throw new ApiProblem(501, 'Not Implemented', 'outputs are not available in this process');
    return deps.outputs;
  };
  const admin = { config: { role: 'admin' as const } };
  const handled = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof OutputRequestError) throw new ApiProblem(err.status, titleOf(err.status), err.message, err.field);
      throw err;
    }
  };

  app.get(
    '/outputs',
    { ...admin, schema: { tags, summary: 'Every output, secrets masked.', response: { ...ok(), ...problems(...authProblems) } } },
    async () => handled(async () => ({ items: await service().list() })),
  );
  app.post<{ Body: unknown }>(
    '/outputs',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Create an output; templates and host are checked, errors name the position.',
        body: anyObject,
        response: { ...ok(201), ...problems(...authProblems, 409, 422) },
      },
    },
    async (request, reply) => {
      const created = await handled(() => service().create(request.body));
      return reply
        .code(201)
        .header('location', `/api/v1/outputs/${encodeURIComponent(String(created.id))}`)
        .send(created);
    },
  );
  app.get<{ Params: { id: string } }>(
    '/outputs/:id',
    {
      ...admin,
      schema: { tags, summary: 'One output, secrets masked.', params: idParams, response: { ...ok(), ...problems(...authProblems, 404) } },
    },
    async (request) => handled(() => service().get(request.params.id)),
  );
  app.put<{ Params: { id: string }; Body: unknown }>(
    '/outputs/:id',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Replace an output (a masked `***` value keeps the stored secret).',
        params: idParams,
        body: anyObject,
        response: { ...ok(), ...problems(...authProblems, 409, 422) },
      },
    },
    async (request) => handled(() => service().replace(request.params.id, request.body)),
  );
  app.delete<{ Params: { id: string } }>(
    '/outputs/:id',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Delete an output; its pending deliveries are no longer sent.',
        params: idParams,
        response: { 204: { type: 'null' }, ...problems(...authProblems, 404, 409) },
      },
    },
    async (request, reply) => {
      await handled(() => service().delete(request.params.id));
      return reply.code(204).send();
    },
  );
  app.post<{
    Params: { id: string };
    Body: { event?: Partial<OutboxEventLike> & Pick<OutboxEventLike, 'type' | 'project' | 'model'> } | undefined;
  }>(
    '/outputs/:id/preview',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Render the output against the sample context or a given event, without sending.',
        params: idParams,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            event: {
              type: 'object',
              required: ['type', 'project', 'model'],
              properties: {
                id: { type: 'integer' },
                type: { type: 'string' },
                project: { type: 'string' },
                model: { type: 'string' },
                revision: { type: 'string' },
                createdAt: { type: 'integer' },
                data: {},
              },
            },
          },
        },
        response: { ...ok(), ...problems(...authProblems, 404, 422) },
      },
    },
    async (request) =>
      handled(async () => {
        const given = request.body?.event;
        const event: OutboxEventLike | undefined =
          given === undefined
            ? undefined
            : { ...given, id: given.id ?? 0, createdAt: given.createdAt ?? deps.clock(), data: given.data ?? {} };
        return service().preview(request.params.id, event);
      }),
  );
  app.get<{ Params: { id: string }; Querystring: { state?: DeliveryState; limit?: number } }>(
    '/outputs/:id/deliveries',
    {
      ...admin,
      schema: {
        tags,
        summary: "The output's deliveries, newest first, each with its attempts (status code, latency, error).",
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { state: { type: 'string', enum: ['pending', 'delivered', 'failed'] }, limit: { type: 'integer', minimum: 1 } },
        },
        response: { ...ok(), ...problems(...authProblems, 404) },
      },
    },
    async (request) =>
      handled(async () => {
        const limit = pageLimit(request.query.limit, deps.config.api);
        const items = await service().deliveries(request.params.id, {
          limit,
          ...(request.query.state ? { state: request.query.state } : {}),
        });
        return {
          items: items.map((d) => ({
            id: d.id,
            eventType: d.eventType,
            source: d.sourceKey,
            state: d.state,
            attempts: d.attempts,
            createdAt: iso(d.createdAt),
            ...(d.deliveredAt === undefined ? {} : { deliveredAt: iso(d.deliveredAt) }),
            ...(d.state === 'pending' ? { nextAttemptAt: iso(d.nextAttemptAt) } : {}),
            ...(d.lastStatus === undefined ? {} : { lastStatus: d.lastStatus }),
            ...(d.lastError === undefined ? {} : { lastError: d.lastError }),
            ...(d.lastResponse === undefined ? {} : { lastResponse: d.lastResponse }),
            request: { method: d.request.method, url: d.request.url },
            attemptLog: d.attemptLog.map((a) => ({
              attempt: a.attempt,
              startedAt: iso(a.startedAt),
              latencyMs: a.latencyMs,
              ...(a.statusCode === undefined ? {} : { statusCode: a.statusCode }),
              ...(a.error === undefined ? {} : { error: a.error }),
            })),
          })),
        };
      }),
  );
  app.post<{ Params: { id: string; delivery: string } }>(
    '/outputs/:id/deliveries/:delivery/resend',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Send a failed delivery again (same delivery id, attempts start over).',
        params: { type: 'object', required: ['id', 'delivery'], properties: { id: { type: 'string' }, delivery: { type: 'string' } } },
        response: { ...ok(202), ...problems(...authProblems, 404) },
      },
    },
    async (request, reply) => {
      await handled(() => service().resend(request.params.id, request.params.delivery));
      return reply.code(202).send({ resent: request.params.delivery });
    },
  );
}

function titleOf(status: number): string {
  return (
    ({ 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Content' } as Record<number, string>)[status] ?? 'Error'
  );
}
