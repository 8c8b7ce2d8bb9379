import { InvalidDataError } from '../../src/runtime/errors.js';
import { calibrateLimits, MIN_CALIBRATION_ROWS } from './calibrateLimits.js';
import { chooseLags } from './chooseLags.js';
import { fitPca, type FitPcaOptions } from './fitPca.js';
import { laggedColumns } from './laggedColumns.js';
import type { LimitMethod, PcaParameters, PcaStatistic } from './PcaParameters.js';
import type { Smoothing } from './smoothing.js';

export interface DetectorOptions extends FitPcaOptions {
  /** Lagged copies per tag (0: static PCA), or 'auto' (chooseLags). */
  readonly lags: number | 'auto';
  readonly statistic: PcaStatistic;
  readonly limitMethod: LimitMethod;
  /** The smoothing scoring will apply; empirical limits are calibrated on statistics smoothed this way. */
  readonly smoothing: Smoothing;
}

/**
 * The anomaly model of one revision: chooses the lag order, fits a PCA on the lag-augmented training
 * samples (each tag plus its lagged copies), and sets the control limits, calibrated on held-out training
 * rows (empirical) or from the F / Jackson–Mudholkar formulas (parametric). The calibration runs either way
 * and its measured false-alarm rates are stored with the model. `columns` are the complete training
 * samples in time order, one array per tag.
 */
export function fitDetector(columns: readonly ArrayLike<number>[], options: DetectorOptions): PcaParameters {
  const n = columns[0]?.length ?? 0;
  const lags = options.lags === 'auto' ? chooseLags(columns) : options.lags;
  const augmented = laggedColumns(columns, sequence(n), lags, { dropIncomplete: true });
  const fitted = fitPca(augmented, options);
  if (options.statistic === 'q' && fitted.qLimit === 0) {
    throw new InvalidDataError(
      'statistic q needs a residual space, and a model of a single tag without lags has none; use t2 or lags >= 1',
    );
  }
  const model = { ...fitted, lags, statistic: options.statistic, limitMethod: options.limitMethod };
  // Parametric limits need no calibration; it only measures them, which a tiny training set cannot.
  if (options.limitMethod === 'parametric' && fitted.nTrain < MIN_CALIBRATION_ROWS) return model;
  const calibrated = calibrateLimits(augmented, options);
  const limits = options.limitMethod === 'empirical' ? { t2Limit: calibrated.t2Limit, qLimit: calibrated.qLimit } : {};
  return { ...model, ...limits, calibration: calibrated.calibration };
}

function sequence(length: number): Int32Array {
  const indices = new Int32Array(length);
  for (let i = 0; i < length; i++) indices[i] = i;
  return indices;
}
