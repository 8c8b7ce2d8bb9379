import type { FastifyInstance } from 'fastify';
import type { QueueInspector, RedriveFilter } from '../../contracts/QueueInspector.js';
import { deadLetterClass, redriveDeadLetters } from '../../deadletters/redriveDeadLetters.js';
import { decodeTaskMessage } from '../../domain/taskCodec.js';
import type { ApiDeps } from '../ApiDeps.js';
import { notOffered } from '../ApiServer.js';
import { iso } from '../params.js';
import { badRequest } from '../problem.js';
import { authProblems, pageOf, pageQuery, problems, time } from '../schemas.js';
import { pageLimit } from './paging.js';

const deadLetterItem = {
  type: 'object',
  required: ['id', 'reason', 'errorClass', 'attempts', 'deadAt', 'body'],
  properties: {
    id: { type: 'string' },
    reason: { type: 'string' },
    errorClass: { type: 'string', description: 'malformed (not a task), exhausted (leases kept expiring) or permanent.' },
    attempts: { type: 'integer' },
    deadAt: time,
    body: { type: 'string' },
    task: {
      type: ['object', 'null'],
      properties: { project: { type: 'string' }, model: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
    },
  },
} as const;

/** The window a dead letter carried (either message format), or null for a malformed one. */
function taskOf(body: string): Record<string, string> | null {
  try {
    const decoded = decodeTaskMessage(body);
    const { project, model, window } = decoded.format === 'latigo' ? decoded.task : decoded;
    return { project, model, from: iso(window.fromMs), to: iso(window.toMs) };
  } catch {
    return null; // not a task: its reason says why
  }
}

/** `GET /dead-letters` and `POST /dead-letters/redrive` (QueueInspector). */
export function deadLetterRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['dead letters'];
  const inspector = (): QueueInspector => {
    if (deps.inspector === undefined)
      throw notOffered('task_queue', deps.config.providers.task_queue.type, 'dead-letter inspection (QueueInspector)');
    return deps.inspector;
  };
  app.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/dead-letters',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Messages the queue parked as never deliverable, newest first, with the reason.',
        querystring: { type: 'object', additionalProperties: false, properties: { ...pageQuery } },
        response: { 200: pageOf(deadLetterItem), ...problems(...authProblems, 501) },
      },
    },
    async (request) => {
      const limit = pageLimit(request.query.limit, deps.config.api);
      let page;
      try {
        page = await inspector().deadLetters({ limit, ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }) });
      } catch (err) {
        if (err instanceof Error && /cursor/i.test(err.message))
          throw badRequest('query.cursor', 'query.cursor is not a cursor this API returned');
        throw err;
      }
      return {
        items: page.items.map((d) => ({
          id: d.id,
          reason: d.reason,
          errorClass: deadLetterClass(d),
          attempts: d.attempts,
          deadAt: iso(d.deadAtMs),
          body: d.body,
          task: taskOf(d.body),
        })),
        ...(page.next === undefined ? {} : { next: page.next }),
      };
    },
  );

  app.post<{ Body: { ids?: string[]; reasonContains?: string; all?: boolean } }>(
    '/dead-letters/redrive',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Deliver dead letters again (by id, by reason text, or all); their windows become runnable again.',
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 1,
          properties: {
            ids: { type: 'array', minItems: 1, maxItems: 10_000, items: { type: 'string', minLength: 1 } },
            reasonContains: { type: 'string', minLength: 1 },
            all: { type: 'boolean', const: true },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['redriven', 'windows'],
            properties: { redriven: { type: 'integer' }, windows: { type: 'integer' } },
          },
          ...problems(...authProblems, 413, 415, 501),
        },
      },
    },
    async (request) => {
      const body = request.body;
      const filter: RedriveFilter =
        body.ids !== undefined
          ? { ids: body.ids }
          : body.reasonContains !== undefined
            ? { reasonContains: body.reasonContains }
            : { all: true };
      const { redriven, windows } = await redriveDeadLetters(inspector(), deps.ledger, filter);
      deps.log.info('dead letters re-driven', { redriven, windows, by: request.caller?.name });
      return { redriven, windows };
    },
  );
}
