import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiRole } from '../config/sections.js';
import type { ApiDeps } from './ApiDeps.js';
import { authenticate, forbidden, roleAllows, type Caller } from './auth.js';
import { liveFeedRoutes } from './live/liveFeed.js';
import { ApiProblem, problemErrorHandler, sendProblem } from './problem.js';
import { backfillRoutes } from './routes/backfills.js';
import { registerWebPage, webPageFolder } from './webPage.js';
import { deadLetterRoutes } from './routes/deadLetters.js';
import { episodeRoutes } from './routes/episodes.js';
import { executorRoutes } from './routes/executors.js';
import { ingestRoutes } from './routes/ingest.js';
import { modelRoutes } from './routes/models.js';
import { modelDefinitionRoutes } from './routes/modelDefinitions.js';
import { outputRoutes } from './routes/outputs.js';
import { predictionRoutes } from './routes/predictions.js';
import { forecastRoutes } from './routes/forecast.js';
import { queueRoutes } from './routes/queue.js';
import { modelTableRoutes } from './routes/modelTable.js';
import { runRoutes } from './routes/runs.js';
import { sessionRoutes } from './routes/session.js';
import { serviceRoutes } from './routes/service.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a route needs; routes without one (docs, probes) are public. */
    role?: ApiRole;
  }
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** The version of the API's paths (`/api/v1/...`) and of its OpenAPI document. */
export const apiVersion = '1.0.0';

/**
 * The service API (issue 13): JSON resources under /api/v1, OpenAPI 3 at /api/openapi.json generated from
 * the route schemas, Swagger UI at /api/docs, and the process's /healthz, /readyz and /metrics. Requests are
 * validated and responses serialized by the same schemas; every error is a problem document.
 */
export async function buildApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    bodyLimit: config.api.bodyLimitBytes,
    // Fastify's own request logging is off: one line per request would flood; errors are logged by the handler.
    logger: false,
    // Unknown body properties are refused (a typo must not be ignored), not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setErrorHandler(problemErrorHandler(deps.log.child({ component: 'api' })));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, `no route ${request.method} ${request.url.split('?')[0]}; see /api/docs`),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'latigo service API',
        version: apiVersion,
        description: 'Models, windows, predictions, runs, dead letters, executors and the queue of a latigo deployment.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A token of api.tokens.' },
          basic: { type: 'http', scheme: 'basic', description: 'Any user name, the token as password.' },
        },
      },
      security: config.api.tokens.length > 0 ? [{ bearer: [] }, { basic: [] }] : [],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Declared, so every request has the same shape; set by the hook below on routes with a role.
  app.decorateRequest('caller', undefined);
  // A callback hook rather than an async one: it runs on every request and awaits nothing, and an async hook
  // costs each request a promise and a trip through the microtask queue before the route's own work starts.
  app.addHook('onRequest', (request, _reply, done) => {
    const needed = request.routeOptions.config.role;
    if (needed === undefined) return done();
    let caller: Caller;
    try {
      caller = authenticate(request.headers.authorization, config.api.tokens);
    } catch (err) {
      return done(err as Error);
    }
    if (!roleAllows(caller.role, needed)) return done(forbidden(caller, needed));
    request.caller = caller;
    done();
  });

  serviceRoutes(app, deps);
  if (deps.database !== undefined) await liveFeedRoutes(app, deps, deps.database);
  await app.register(
    async (v1) => {
      modelRoutes(v1, deps);
      modelDefinitionRoutes(v1, deps);
      predictionRoutes(v1, deps);
      forecastRoutes(v1, deps);
      runRoutes(v1, deps);
      backfillRoutes(v1, deps);
      deadLetterRoutes(v1, deps);
      queueRoutes(v1, deps);
      executorRoutes(v1, deps);
      await v1.register(async (scope) => ingestRoutes(scope, deps));
      episodeRoutes(v1, deps);
      outputRoutes(v1, deps);
      sessionRoutes(v1, deps);
      modelTableRoutes(v1, deps);
    },
    { prefix: '/api/v1' },
  );
  await registerWebPage(app, deps.log.child({ component: 'web' }), webPageFolder());
  return app;
}

/** 501 for a route whose capability the configured provider does not offer. */
export function notOffered(section: string, type: string, capability: string): ApiProblem {
  return new ApiProblem(501, 'Not Implemented', `${section} type "${type}" does not offer ${capability}`);
}
