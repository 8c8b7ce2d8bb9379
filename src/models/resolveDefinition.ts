import type { ModelDefinition } from '../contracts/ModelWriter.js';
import type { DataWatermarks } from '../contracts/DataWatermarks.js';
import type { CallOptions } from '../contracts/CallOptions.js';
import { DefinitionError, type ModelDefinitionInput } from './parseModelDefinition.js';

/**
 * The definition to save: a relative training range ("the first 400 rows", "the first 24 hours") becomes the
 * explicit range it means now, starting at the bucket of the earliest point of any input tag. Resolved once,
 * when the definition is saved, so the revision (a hash of the range) stays put as more data arrives.
 * Throws DefinitionError naming `path.training` or `path.tags` when the data is not there to resolve it.
 */
export async function resolveDefinition(
  input: ModelDefinitionInput,
  watermarks: DataWatermarks | undefined,
  path: string,
  options?: CallOptions,
): Promise<ModelDefinition> {
  const { training, ...rest } = input;
  if ('fromMs' in training) return { ...rest, trainingRange: { fromMs: training.fromMs, toMs: training.toMs } };
  if (watermarks === undefined)
    throw new DefinitionError(
      `${path}.training`,
      'first_rows and first_hours need the recorded data watermarks, which this process lacks; give { from, to }',
    );
  const known = await watermarks.watermarks(input.inputTags, options);
  const missing = input.inputTags.filter((tag) => !known.has(tag));
  if (missing.length > 0)
    throw new DefinitionError(`${path}.tags`, `no data yet for ${missing.map((t) => JSON.stringify(t)).join(', ')}: import it first`);
  const firstMs = Math.min(...[...known.values()].map((w) => w.firstMs));
  const fromMs = Math.floor(firstMs / input.resolutionMs) * input.resolutionMs;
  const toMs =
    'firstRows' in training ? fromMs + training.firstRows * input.resolutionMs : fromMs + Math.round(training.firstHours * 3_600_000);
  return {
    ...rest,
    trainingRange: { fromMs, toMs },
    trainingSpec: 'firstRows' in training ? { firstRows: training.firstRows } : { firstHours: training.firstHours },
  };
}
