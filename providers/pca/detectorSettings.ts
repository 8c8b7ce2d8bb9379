import type { ModelDescription } from '../../src/domain/ModelDescription.js';
import { InvalidDataError } from '../../src/runtime/errors.js';
import type { EmbeddedPredictorConfig } from './config.js';
import { modelSettings, type PcaModelSettings } from './modelSettings.js';
import type { LimitMethod, PcaStatistic } from './PcaParameters.js';
import { ANOMALY_THRESHOLD } from './predictRows.js';
import type { Smoothing, SmoothingMethod } from './smoothing.js';

/** Everything one model is trained and scored with: modelSettings plus the dynamic-PCA and limit choices. */
export interface DetectorSettings extends PcaModelSettings {
  readonly lags: number | 'auto';
  readonly statistic: PcaStatistic;
  readonly limitMethod: LimitMethod;
  readonly smoothing: Smoothing;
  /** A row is anomalous when its score (a multiple of the control limit) exceeds this (`parameters.threshold`). */
  readonly threshold: number;
}

const STATISTICS: readonly PcaStatistic[] = ['t2', 'q', 'both'];
const LIMIT_METHODS: readonly LimitMethod[] = ['empirical', 'parametric'];
const SMOOTHING_METHODS: readonly SmoothingMethod[] = ['mean', 'median', 'ewma'];

/**
 * The predictor configuration overridden per model by the description's `parameters` (same keys as the
 * `predictor` section): `lags`, `statistic`, `limits` and `smoothing: { method, rows }` besides those of
 * modelSettings. Throws InvalidDataError naming the key of a bad override.
 */
export function detectorSettings(model: ModelDescription, config: EmbeddedPredictorConfig): DetectorSettings {
  const base = modelSettings(model, config);
  const overrides = model.parameters ?? {};
  const bad = (key: string): InvalidDataError =>
    new InvalidDataError(`model ${model.project}/${model.name}: parameters.${key} = ${JSON.stringify(overrides[key])} is out of range`);
  const lags = overrides['lags'] ?? config.lags;
  if (!(lags === 'auto' || (typeof lags === 'number' && Number.isInteger(lags) && lags >= 0 && lags <= 50))) throw bad('lags');
  const statistic = overrides['statistic'] ?? config.statistic;
  if (!STATISTICS.includes(statistic as PcaStatistic)) throw bad('statistic');
  const limitMethod = overrides['limits'] ?? config.limitMethod;
  if (!LIMIT_METHODS.includes(limitMethod as LimitMethod)) throw bad('limits');
  let smoothing: Smoothing = { method: config.smoothingMethod, rows: base.smoothingWindow };
  const smoothingOverride = overrides['smoothing'];
  if (smoothingOverride !== undefined) {
    const { method = smoothing.method, rows = smoothing.rows } = (smoothingOverride ?? {}) as { method?: unknown; rows?: unknown };
    if (
      typeof smoothingOverride !== 'object' ||
      !SMOOTHING_METHODS.includes(method as SmoothingMethod) ||
      typeof rows !== 'number' ||
      !Number.isInteger(rows) ||
      rows < 1
    )
      throw bad('smoothing');
    smoothing = { method: method as SmoothingMethod, rows };
  }
  const threshold = overrides['threshold'] ?? ANOMALY_THRESHOLD;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold <= 0) throw bad('threshold');
  return { ...base, threshold, lags, statistic: statistic as PcaStatistic, limitMethod: limitMethod as LimitMethod, smoothing };
}
