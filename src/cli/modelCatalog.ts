import type { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { ModelSummary } from '../domain/ModelDescription.js';
import { modelKey } from '../domain/ModelDescription.js';
import { describeError } from '../runtime/errors.js';

/** Every model of every project, ordered by project then name. */
export async function listAllModels(models: ModelInformationProvider, signal?: AbortSignal): Promise<ModelSummary[]> {
  const all: ModelSummary[] = [];
  for (const project of await models.listProjects({ signal })) all.push(...(await models.listModels(project, { signal })));
  return all;
}

/**
 * Every model with its build phase where the catalogue reports phases (`listModelPhases`), models not ready
 * included (`ready: false`); other catalogues list their ready models without a phase.
 */
export async function listModelPhases(models: ModelInformationProvider, signal?: AbortSignal): Promise<(ModelSummary & { phase?: string; reason?: string; ready: boolean })[]> {
  const all: (ModelSummary & { phase?: string; reason?: string; ready: boolean })[] = [];
  for (const project of await models.listProjects({ signal })) {
    const listed = await models.listModels(project, { signal });
    if (models.listModelPhases === undefined) {
      all.push(...listed.map((m) => ({ ...m, ready: true })));
      continue;
    }
    const ready = new Set(listed.map((m) => `${m.name}\u0000${m.revision}`));
    for (const m of await models.listModelPhases(project, { signal })) all.push({ ...m, ready: ready.has(`${m.name}\u0000${m.revision}`) });
  }
  return all;
}

/** `--model` filters name a model as `project/name` or by its bare name. */
export function selectModels(all: readonly ModelSummary[], filters: readonly string[] | undefined): ModelSummary[] {
  if (filters === undefined || filters.length === 0) return [...all];
  const wanted = new Set(filters);
  const selected = all.filter((m) => wanted.has(modelKey(m)) || wanted.has(m.name));
  const unknown = filters.filter((f) => !all.some((m) => modelKey(m) === f || m.name === f));
  if (unknown.length > 0) throw new Error(`unknown model(s): ${unknown.join(', ')}`);
  return selected;
}

export interface TrainingResult {
  readonly trained: number;
  readonly alreadyTrained: number;
  readonly failed: { model: string; reason: string }[];
}

/**
 * Registers (trains) each model that its predictor does not report ready. A model that fails is
 * reported and the others still train.
 */
export async function trainModels(
  models: ModelInformationProvider, predictor: ModelExecutionProvider, selected: readonly ModelSummary[],
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<TrainingResult> {
  let trained = 0;
  let alreadyTrained = 0;
  const failed: { model: string; reason: string }[] = [];
  let done = 0;
  options.onProgress?.(0, selected.length);
  for (const summary of selected) {
    options.signal?.throwIfAborted();
    try {
      const status = await predictor.status(summary, { signal: options.signal });
      if (status.state === 'ready') {
        alreadyTrained++;
      } else {
        const description = await models.describeModel(summary.project, summary.name, { revision: summary.revision, signal: options.signal });
        const registered = await predictor.register(description, { signal: options.signal });
        if (registered.state === 'ready') trained++;
        else failed.push({ model: modelKey(summary), reason: registered.reason ?? registered.state });
      }
    } catch (err) {
      if (options.signal?.aborted) throw err;
      failed.push({ model: modelKey(summary), reason: describeError(err) });
    }
    options.onProgress?.(++done, selected.length);
  }
  return { trained, alreadyTrained, failed };
}
