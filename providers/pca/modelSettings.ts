import type { ModelDescription } from '../../src/domain/ModelDescription.js';
import { InvalidDataError } from '../../src/runtime/errors.js';
import type { EmbeddedPredictorConfig } from './config.js';

/** The settings one model is trained and scored with. */
export interface PcaModelSettings {
  readonly explainedVariance: number;
  readonly confidence: number;
  readonly smoothingWindow: number;
}

/**
 * The predictor configuration, overridden per model by `parameters.explained_variance`,
 * `parameters.confidence` and `parameters.smoothing_window` of its description (same names and ranges
 * as the `predictor` section). Training settings only take effect when a revision is trained; the
 * smoothing window applies to every execution. Throws InvalidDataError for an override out of range.
 */
export function modelSettings(model: ModelDescription, config: EmbeddedPredictorConfig): PcaModelSettings {
  const overrides = model.parameters ?? {};
  return {
    explainedVariance: override(overrides, 'explained_variance', config.explainedVariance, (v) => v > 0 && v <= 1, model),
    confidence: override(overrides, 'confidence', config.confidence, (v) => v > 0.5 && v < 1, model),
    smoothingWindow: override(overrides, 'smoothing_window', config.smoothingWindow, (v) => Number.isInteger(v) && v >= 1, model),
  };
}

function override(
  overrides: Readonly<Record<string, unknown>>,
  key: string,
  fallback: number,
  valid: (value: number) => boolean,
  model: ModelDescription,
): number {
  const value = overrides[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !valid(value)) {
    throw new InvalidDataError(`model ${model.project}/${model.name}: parameters.${key} = ${JSON.stringify(value)} is out of range`);
  }
  return value;
}
