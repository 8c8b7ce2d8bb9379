import type { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import type { ModelSummary } from '../domain/ModelDescription.js';
import { describeError, isAbortError, NotFoundError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export interface ModelListing {
  models: ModelSummary[];
  /** Listings that failed (the project list, or one project's models); those models wait for the next pass. */
  failures: number;
}

/**
 * Every model of every project, with its current revision. By default a failing listing is logged and
 * skipped, not thrown: the scheduler tries again on its next pass, and the other projects still get their
 * windows. With `strict` (backfill, a one-shot command) the first failure is thrown instead.
 * Cancellation passes through.
 */
export async function listAllModels(
  provider: ModelInformationProvider,
  log: Logger,
  options: { signal?: AbortSignal; strict?: boolean } = {},
): Promise<ModelListing> {
  const callOptions = options.signal === undefined ? {} : { signal: options.signal };
  let projects: string[];
  try {
    projects = await provider.listProjects(callOptions);
  } catch (err) {
    if (isAbortError(err) || options.strict) throw err;
    log.warn('listing projects failed; retrying next pass', { error: describeError(err) });
    return { models: [], failures: 1 };
  }
  const models: ModelSummary[] = [];
  let failures = 0;
  for (const project of projects) {
    try {
      models.push(...(await provider.listModels(project, callOptions)));
    } catch (err) {
      if (isAbortError(err) || options.strict) throw err;
      failures++;
      log.warn('listing models failed; retrying next pass', { project, error: describeError(err) });
    }
  }
  return { models, failures };
}

/**
 * The listed models that `selectors` name ("project/model" or a bare model name, which matches that name
 * in every project). Throws NotFoundError naming the selectors that match nothing.
 */
export function selectModels(models: readonly ModelSummary[], selectors: readonly string[] | undefined): ModelSummary[] {
  if (selectors === undefined || selectors.length === 0) return [...models];
  const unmatched = selectors.filter((s) => !models.some((m) => matches(m, s)));
  if (unmatched.length > 0) throw new NotFoundError(`unknown model(s): ${unmatched.map((s) => `"${s}"`).join(', ')}`);
  return models.filter((m) => selectors.some((s) => matches(m, s)));
}

function matches(model: ModelSummary, selector: string): boolean {
  return selector === `${model.project}/${model.name}` || selector === model.name;
}
