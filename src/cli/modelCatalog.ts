import type { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { ModelSummary } from '../domain/ModelDescription.js';
import { modelKey } from '../domain/ModelDescription.js';
import type { ModelTrainingStore } from '../ledger/ModelTrainingStore.js';
import { describeError } from '../runtime/errors.js';

/**
 * Every model with its build phase where the catalogue reports phases (`listModelPhases`), models not ready
 * included (`ready: false`); other catalogues list their ready models without a phase.
 */
export async function listModelPhases(
  models: ModelInformationProvider,
  signal?: AbortSignal,
): Promise<(ModelSummary & { phase?: string; reason?: string; ready: boolean })[]> {
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

export interface TrainingResult {
  readonly trained: number;
  readonly alreadyTrained: number;
  readonly failed: { model: string; reason: string }[];
}

/**
 * Registers (trains) each model that its predictor does not report ready; with `force`, every selected
 * model, trained or not (its stored revisions are dropped first, so the model is trained afresh). A model
 * that fails is reported and the others still train. With `journal`, each model's training is recorded
 * (`model_training`): what the API shows and what the scheduler waits for before planning a new revision.
 */
export async function trainModels(
  models: ModelInformationProvider,
  predictor: ModelExecutionProvider,
  selected: readonly ModelSummary[],
  options: {
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
    force?: boolean;
    journal?: ModelTrainingStore;
  } = {},
): Promise<TrainingResult> {
  const { journal } = options;
  let trained = 0;
  let alreadyTrained = 0;
  const failed: { model: string; reason: string }[] = [];
  let done = 0;
  options.onProgress?.(0, selected.length);
  for (const summary of selected) {
    options.signal?.throwIfAborted();
    try {
      if (options.force === true) await predictor.unregister(summary, { signal: options.signal });
      const status = options.force === true ? { state: 'not_registered' } : await predictor.status(summary, { signal: options.signal });
      if (status.state === 'ready') {
        alreadyTrained++;
        await journal?.finished(summary, 'ready');
      } else {
        await journal?.started(summary);
        const description = await models.describeModel(summary.project, summary.name, {
          revision: summary.revision,
          signal: options.signal,
        });
        const registered = await predictor.register(description, { signal: options.signal });
        if (registered.state === 'ready') {
          trained++;
          await journal?.finished(summary, 'ready');
        } else {
          failed.push({ model: modelKey(summary), reason: registered.reason ?? registered.state });
          await journal?.finished(summary, 'failed', registered.reason ?? registered.state);
        }
      }
    } catch (err) {
      if (options.signal?.aborted) throw err;
      failed.push({ model: modelKey(summary), reason: describeError(err) });
      await journal?.finished(summary, 'failed', describeError(err)).catch(() => undefined);
    }
    options.onProgress?.(++done, selected.length);
  }
  return { trained, alreadyTrained, failed };
}
