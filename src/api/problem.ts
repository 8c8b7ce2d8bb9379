import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

/**
 * An RFC 9457 problem the API answers with. `field` names the offending input (`query.from`,
 * `body.last`, `params.model`, `header.authorization`) so a client can point at it.
 */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

export const badRequest = (field: string, detail: string): ApiProblem => new ApiProblem(400, 'Bad Request', detail, field);
export const notFound = (detail: string, field?: string): ApiProblem => new ApiProblem(404, 'Not Found', detail, field);

/** The problem document's JSON schema (also the OpenAPI component every error response refers to). */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    field: { type: 'string', description: 'The request input at fault, e.g. query.from or body.last.' },
  },
} as const;

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export function sendProblem(reply: FastifyReply, request: FastifyRequest, status: number, detail: string, field?: string): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: 'about:blank',
      title: titles[status] ?? 'Error',
      status,
      detail,
      instance: request.url.split('?')[0]!,
      ...(field === undefined ? {} : { field }),
    });
}

/**
 * Every error becomes a problem document: schema validation names the field, body limits give 413, a
 * catalogue's NotFoundError 404; anything else is logged once and answered 500 without its stack or text.
 */
export function problemErrorHandler(log: Logger) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (error instanceof ApiProblem) return sendProblem(reply, request, error.status, error.detail, error.field);
    if (error instanceof NotFoundError) return sendProblem(reply, request, 404, error.message);
    const fastifyError = error as FastifyError;
    if (fastifyError.validation !== undefined) {
      const issue = fastifyError.validation[0]!;
      const missing = (issue.params as { missingProperty?: string } | undefined)?.missingProperty;
      const extra = (issue.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const path = [
        fastifyError.validationContext === 'querystring' ? 'query' : (fastifyError.validationContext ?? 'body'),
        ...issue.instancePath.split('/').filter((p) => p !== ''),
        ...(missing ? [missing] : []),
        ...(extra ? [extra] : []),
      ].join('.');
      const what = extra ? `unknown property "${extra}"` : (issue.message ?? 'is invalid');
      return sendProblem(reply, request, 400, `${path} ${what}`, path);
    }
    const status = fastifyError.statusCode;
    if (status === 413) return sendProblem(reply, request, 413, 'request body is larger than api.body_limit_bytes', 'body');
    if (status === 415) return sendProblem(reply, request, 415, 'send the body as application/json', 'header.content-type');
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own client errors (malformed JSON, an empty JSON body): their text names no secret.
      return sendProblem(reply, request, status, fastifyError.message, status === 400 ? 'body' : undefined);
    }
    log.error('api request failed', { method: request.method, path: request.routeOptions.url, error: describeError(error) });
    return sendProblem(reply, request, 500, 'the request failed on the server; the error is logged');
  };
}
