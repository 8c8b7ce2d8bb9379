import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../ApiDeps.js';
import { notOffered } from '../ApiServer.js';
import { finiteOrNull, iso, parseTime } from '../params.js';
import { notFound } from '../problem.js';
import { authProblems, modelParams, problems, time } from '../schemas.js';

const perTag = { type: 'object', additionalProperties: { type: ['number', 'null'] } } as const;

const forecastBody = {
  type: 'object',
  required: ['project', 'model', 'revision', 'issuedAt', 'coverage', 'tags', 'points'],
  properties: {
    project: { type: 'string' },
    model: { type: 'string' },
    revision: { type: 'string' },
    issuedAt: time,
    coverage: { type: ['number', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
    points: {
      type: 'array',
      items: {
        type: 'object',
        required: ['time', 'yhat', 'lower', 'upper'],
        properties: { time, yhat: perTag, lower: perTag, upper: perTag },
      },
    },
  },
} as const;

/** `GET .../models/{project}/{model}/forecast`: the latest forecast of a `forecast` model, or the one in force at `asOf`. */
export function forecastRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { project: string; model: string }; Querystring: { asOf?: string; revision?: string } }>(
    '/models/:project/:model/forecast',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['predictions'],
        summary: 'The latest forecast of a forecast model (or as issued at a past time): yhat, lower and upper per tag and target time.',
        params: modelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            asOf: {
              type: 'string',
              description: 'The forecast in force at this time (ISO 8601 with offset): the latest issued at or before it.',
            },
            revision: { type: 'string', minLength: 1 },
          },
        },
        response: { 200: forecastBody, ...problems(...authProblems, 404, 501) },
      },
    },
    async (request) => {
      const { project, model } = request.params;
      const asOfMs = request.query.asOf === undefined ? undefined : parseTime(request.query.asOf, 'query.asOf');
      const readForecast = deps.reader?.readForecast?.bind(deps.reader);
      if (readForecast === undefined)
        throw notOffered(
          'prediction_storage',
          deps.config.providers.prediction_storage.type,
          'reading forecasts (PredictionReader.readForecast)',
        );
      if (!(await deps.models.modelExists(project, model))) throw notFound(`no model ${project}/${model}`, 'params.model');
      const stored = await readForecast(
        { project, name: model },
        {
          ...(asOfMs === undefined ? {} : { asOfMs }),
          ...(request.query.revision === undefined ? {} : { revision: request.query.revision }),
        },
      );
      if (stored === undefined)
        throw notFound(`model ${project}/${model} has no forecast${asOfMs === undefined ? '' : ` issued at or before ${iso(asOfMs)}`}`);
      const byTag = (values: readonly number[]) => Object.fromEntries(stored.tagNames.map((n, i) => [n, finiteOrNull(values[i] ?? NaN)]));
      return {
        project,
        model,
        revision: stored.revision,
        issuedAt: iso(stored.issuedAtMs),
        coverage: finiteOrNull(stored.coverage),
        tags: [...stored.tagNames],
        points: stored.points.map((p) => ({ time: iso(p.timeMs), yhat: byTag(p.yhat), lower: byTag(p.lower), upper: byTag(p.upper) })),
      };
    },
  );
}
