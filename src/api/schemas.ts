import { problemSchema } from './problem.js';

/** JSON Schema pieces shared by the routes; Fastify validates requests and serializes responses with them. */

export const time = { type: 'string', format: 'date-time' } as const;
export const optionalTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const pageQuery = {
  limit: { type: 'integer', minimum: 1, description: 'Items per page (default api.default_page_size, at most api.max_page_size).' },
  cursor: { type: 'string', minLength: 1, description: 'The `next` value of the previous page.' },
} as const;

export const modelParams = {
  type: 'object',
  required: ['project', 'model'],
  properties: { project: { type: 'string', minLength: 1, maxLength: 200 }, model: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/** A list response: the page's items and, when more follow, the cursor of the next page. */
export function pageOf(item: object): object {
  return {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: item }, next: { type: 'string' } },
  };
}

/** The error responses every route can give, each a problem document. */
export const problems = (...statuses: number[]): Record<string, object> =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      { description: 'A problem document (RFC 9457).', content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );

/** Error responses of every authenticated route. */
export const authProblems = [400, 401, 403] as const;
