import type { FastifyInstance } from 'fastify';
import { apiRoles } from '../../config/sections.js';
import type { ApiDeps } from '../ApiDeps.js';
import { authProblems, problems } from '../schemas.js';

/**
 * `GET /session`: who the presented token is (name and role), so a client such as the web page can show only
 * what that role may do. The API refuses what a role may not do anyway; this only saves showing dead buttons.
 */
export function sessionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/session',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['service'],
        summary: "The caller's token name and role; `tokensRequired` is false when the API runs without tokens (loopback).",
        response: {
          200: {
            type: 'object',
            required: ['name', 'role', 'tokensRequired'],
            properties: {
              name: { type: 'string' },
              role: { type: 'string', enum: apiRoles },
              tokensRequired: { type: 'boolean' },
            },
          },
          ...problems(...authProblems),
        },
      },
    },
    async (request) => ({
      name: request.caller?.name ?? 'local',
      role: request.caller?.role ?? 'admin',
      tokensRequired: deps.config.api.tokens.length > 0,
    }),
  );
}
