import type { FastifyInstance } from 'fastify';
import type { ModelWriter } from '../../contracts/ModelWriter.js';
import type { DataWatermarks } from '../../contracts/DataWatermarks.js';
import type { ModelRef, ModelSummary } from '../../domain/ModelDescription.js';
import type { ModelTrainingStore } from '../../ledger/ModelTrainingStore.js';
import { evaluateModel } from '../../evaluation/evaluateModel.js';
import type { LabelStore } from '../../evaluation/LabelStore.js';
import { DefinitionError, parseModelDefinition } from '../../models/parseModelDefinition.js';
import { resolveDefinition } from '../../models/resolveDefinition.js';
import { isInvalidDataError } from '../../runtime/errors.js';
import { combineSummary } from '../../summary/combineSummary.js';
import type { SummaryStore } from '../../summary/SummaryStore.js';
import type { ApiDeps } from '../ApiDeps.js';
import { notOffered } from '../ApiServer.js';
import { iso, parseTime } from '../params.js';
import { ApiProblem, badRequest, notFound } from '../problem.js';
import { authProblems, modelParams, problems, time } from '../schemas.js';

/** What the definition, label, evaluation and summary routes use; the writer is absent when model_info cannot take definitions. */
export interface ModelDefinitionDeps {
  writer?: ModelWriter;
  watermarks?: DataWatermarks;
  /** Trains a saved revision before it is scheduled (absent when this process has no predictor). */
  trainer?: DefinitionTrainer;
  labels: LabelStore;
  summaries: SummaryStore;
}

/** What trains a saved revision in the background (DefinedModelTrainer), and its journal, which GET /models/{project}/{model} reads. */
export interface DefinitionTrainer {
  train(model: ModelSummary): Promise<void>;
  readonly journal: ModelTrainingStore;
}

const anyObject = { type: 'object', additionalProperties: true } as const;
const saved = {
  type: 'object',
  required: ['project', 'model', 'revision', 'changed', 'trainingRange'],
  properties: {
    project: { type: 'string' },
    model: { type: 'string' },
    revision: { type: 'string' },
    changed: { type: 'boolean', description: 'False when the definition was saved before unchanged (same revision).' },
    trainingRange: { type: 'object', properties: { from: time, to: time } },
    training: {
      type: 'string',
      description: "The revision's training: pending (queued), training, ready or failed; GET /models/{project}/{model} tells more.",
    },
  },
} as const;
const labelItem = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: { from: { type: 'string' }, to: { type: 'string' }, label: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

type Params = { project: string; model: string };

/**
 * `POST /models`, `PUT|DELETE /models/{project}/{model}` (admin): define, redefine and delete models of the
 * embedded registry. `POST|GET .../labels`, `GET .../evaluation`, `GET .../summary`.
 */
export function modelDefinitionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const tags = ['models'];
  const writer = (): ModelWriter => {
    const w = deps.definitions?.writer;
    if (w === undefined) throw notOffered('model_info', deps.config.providers.model_info.type, 'model definitions (ModelWriter)');
    return w;
  };
  const parts = (): ModelDefinitionDeps => {
    if (deps.definitions === undefined) throw new ApiProblem(501, 'Not Implemented', 'model definitions are not available in this process');
    return deps.definitions;
  };

  const save = async (body: unknown, expected?: Params): Promise<Record<string, unknown>> => {
    const w = writer();
    let definition;
    try {
      const input = parseModelDefinition(body, 'body');
      if (expected && (input.project !== expected.project || input.name !== expected.model))
        throw new DefinitionError('body.name', `project and name must match the path (${expected.project}/${expected.model})`);
      definition = await resolveDefinition(input, deps.definitions?.watermarks, 'body');
    } catch (err) {
      if (err instanceof DefinitionError) throw badRequest(err.field, err.message);
      throw err;
    }
    const before = (await deps.models.modelExists(definition.project, definition.name))
      ? (await deps.models.listModels(definition.project)).find((m) => m.name === definition.name)?.revision
      : undefined;
    try {
      const [summary] = await w.saveModels([definition]);
      // A new revision is trained before the scheduler plans its windows (the journal holds it back until ready).
      const trainer = deps.definitions?.trainer;
      if (trainer !== undefined && before !== summary!.revision) await trainer.train(summary!);
      const training = await trainer?.journal.get(summary!.project, summary!.name, summary!.revision);
      return {
        project: summary!.project,
        model: summary!.name,
        revision: summary!.revision,
        changed: before !== summary!.revision,
        trainingRange: { from: iso(definition.trainingRange.fromMs), to: iso(definition.trainingRange.toMs) },
        ...(training === undefined ? {} : { training: training.state }),
      };
    } catch (err) {
      if (isInvalidDataError(err)) throw badRequest('body', err.message);
      throw err;
    }
  };

  app.post(
    '/models',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Define a model (see README "Defining models"); a new model is trained before it is scheduled.',
        body: anyObject,
        response: { 201: saved, ...problems(...authProblems, 409, 501) },
      },
    },
    async (request, reply) => {
      const body = request.body as { project?: unknown; name?: unknown };
      if (typeof body.project === 'string' && typeof body.name === 'string' && (await deps.models.modelExists(body.project, body.name)))
        throw new ApiProblem(
          409,
          'Conflict',
          `model ${body.project}/${body.name} exists; PUT /models/${body.project}/${body.name} redefines it`,
          'body.name',
        );
      return reply.code(201).send(await save(request.body));
    },
  );

  app.put<{ Params: Params }>(
    '/models/:project/:model',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Define or redefine a model; a changed definition is a new revision.',
        params: modelParams,
        body: anyObject,
        response: { 200: saved, ...problems(...authProblems, 501) },
      },
    },
    async (request) => save({ project: request.params.project, name: request.params.model, ...(request.body as object) }, request.params),
  );

  app.delete<{ Params: Params }>(
    '/models/:project/:model',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Delete a model: its windows stop being planned.',
        params: modelParams,
        response: { 204: { type: 'null', description: 'Deleted.' }, ...problems(...authProblems, 404, 409, 501) },
      },
    },
    async (request, reply) => {
      const ref: ModelRef = { project: request.params.project, name: request.params.model };
      let deleted: boolean;
      try {
        deleted = await writer().deleteModel(ref);
      } catch (err) {
        if (isInvalidDataError(err)) throw new ApiProblem(409, 'Conflict', err.message, 'params.model');
        throw err;
      }
      if (!deleted) throw notFound(`no model ${ref.project}/${ref.name}`, 'params.model');
      await deps.definitions?.trainer?.journal.forget(ref.project, ref.name);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Params; Body: { labels: { from: string; to: string; label?: string }[] } }>(
    '/models/:project/:model/labels',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Add labelled intervals [from, to) (the ground truth evaluation scores against).',
        params: modelParams,
        body: {
          type: 'object',
          required: ['labels'],
          additionalProperties: false,
          properties: { labels: { type: 'array', minItems: 1, maxItems: 10_000, items: labelItem } },
        },
        response: { 201: anyObject, ...problems(...authProblems, 404) },
      },
    },
    async (request, reply) => {
      const ref = await existing(request.params);
      const labels = request.body.labels.map((l, i) => {
        const fromMs = parseTime(l.from, `body.labels.${i}.from`);
        const toMs = parseTime(l.to, `body.labels.${i}.to`);
        if (toMs <= fromMs) throw badRequest(`body.labels.${i}.to`, 'to must be later than from');
        return { fromMs, toMs, ...(l.label === undefined ? {} : { label: l.label }) };
      });
      const stored = await parts().labels.add(ref, labels, deps.clock());
      return reply.code(201).send({ items: stored.map(labelOf) });
    },
  );

  app.get<{ Params: Params }>(
    '/models/:project/:model/labels',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'The labelled intervals of a model.',
        params: modelParams,
        response: { 200: anyObject, ...problems(...authProblems, 404) },
      },
    },
    async (request) => ({ items: (await parts().labels.list(await existing(request.params))).map(labelOf) }),
  );

  app.get<{ Params: Params; Querystring: { from?: string; to?: string; revision?: string; grace?: number; min_run?: number } }>(
    '/models/:project/:model/evaluation',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary:
          'Stored predictions scored against the labels: point-wise precision/recall/F1, events detected, time to detect, false alarms per day, and a threshold backtest.',
        params: modelParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string' },
            to: { type: 'string' },
            revision: { type: 'string', minLength: 1 },
            grace: { type: 'integer', minimum: 0, description: 'Seconds after a labelled interval that flags still count for it.' },
            min_run: { type: 'integer', minimum: 1, description: 'Consecutive flags that detect an interval (default 1).' },
          },
        },
        response: { 200: anyObject, ...problems(...authProblems, 404, 501) },
      },
    },
    async (request) => {
      const ref = await existing(request.params);
      const q = request.query;
      if (deps.reader === undefined)
        throw notOffered('prediction_storage', deps.config.providers.prediction_storage.type, 'reading predictions');
      const fromMs = q.from === undefined ? 0 : parseTime(q.from, 'query.from');
      const toMs = q.to === undefined ? 8_640_000_000_000_000 : parseTime(q.to, 'query.to');
      if (toMs <= fromMs) throw badRequest('query.to', 'query.to must be later than query.from');
      const description = await deps.models.describeModel(ref.project, ref.name);
      const evaluation = await evaluateModel(deps.reader, parts().labels, ref, {
        resolutionMs: description.resolutionMs,
        range: { fromMs, toMs },
        ...(q.revision === undefined ? {} : { revision: q.revision }),
        ...(q.grace === undefined ? {} : { graceMs: q.grace * 1000 }),
        ...(q.min_run === undefined ? {} : { minRun: q.min_run }),
      });
      return JSON.parse(
        JSON.stringify(evaluation, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
      ) as object;
    },
  );

  app.get<{ Params: Params; Querystring: { revision?: string } }>(
    '/models/:project/:model/summary',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary:
          'Precomputed summary: windows by outcome, coverage per tag, anomaly rate, episodes, score quantiles, tag ranking, training.',
        params: modelParams,
        querystring: { type: 'object', additionalProperties: false, properties: { revision: { type: 'string', minLength: 1 } } },
        response: { 200: anyObject, ...problems(...authProblems, 404) },
      },
    },
    async (request) => {
      const ref = await existing(request.params);
      const description = await deps.models.describeModel(ref.project, ref.name);
      const revision = request.query.revision ?? description.revision;
      const [windows, byState] = await Promise.all([
        parts().summaries.windows({ ...ref, revision }),
        deps.ledger.countByState({ project: ref.project, model: ref.name, revision }),
      ]);
      return {
        project: ref.project,
        model: ref.name,
        revision,
        windowsByOutcome: byState,
        training: {
          from: iso(description.trainingRange.fromMs),
          to: iso(description.trainingRange.toMs),
          resolutionSeconds: description.resolutionMs / 1000,
        },
        ...combineSummary(windows, description.resolutionMs),
      };
    },
  );

  async function existing(params: Params): Promise<ModelRef> {
    if (!(await deps.models.modelExists(params.project, params.model)))
      throw notFound(`no model ${params.project}/${params.model}`, 'params.model');
    return { project: params.project, name: params.model };
  }
}

function labelOf(l: { id: string; fromMs: number; toMs: number; label: string }): Record<string, unknown> {
  return { id: l.id, from: iso(l.fromMs), to: iso(l.toMs), label: l.label };
}
