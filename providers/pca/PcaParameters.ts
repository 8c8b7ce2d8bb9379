import { z } from 'zod';

/**
 * A fitted PCA anomaly model: plain JSON, stored per model revision in `model_revision.parameters`.
 * `p` is the number of tags, `k` the number of retained components. Everything scoring needs is here;
 * the smoothing window is applied at scoring time and is not part of the fit.
 */
export interface PcaParameters {
  /** Per-tag mean and standard deviation of the training samples (std floored, see fitPca). */
  readonly means: readonly number[];
  readonly stds: readonly number[];
  /** All p eigenvalues of the standardised training covariance (the correlation matrix), descending, >= 0. */
  readonly eigenvalues: readonly number[];
  /** k × p: the retained unit eigenvectors (principal directions), one per row, in eigenvalue order. */
  readonly loadings: readonly (readonly number[])[];
  readonly k: number;
  /** Training samples the model was fitted on. */
  readonly nTrain: number;
  /** The explained-variance share and confidence the model was fitted with. */
  readonly explainedVariance: number;
  readonly confidence: number;
  /** Control limits of T² (F distribution) and Q (Jackson–Mudholkar); qLimit is 0 when k = p (no residual space). */
  readonly t2Limit: number;
  readonly qLimit: number;
  /**
   * Dynamic PCA: lagged copies of each tag per sample (see laggedColumns.ts); the arrays above then describe
   * p·(lags+1) columns. Absent: 0 (static PCA, and every model stored before dynamic PCA existed).
   */
  readonly lags?: number;
  /** Which statistic raises alarms. Absent: 'both'. */
  readonly statistic?: PcaStatistic;
  /** How t2Limit and qLimit were set. Absent: 'parametric'. */
  readonly limitMethod?: LimitMethod;
  /** What the calibration on held-out training data measured (see calibrateLimits.ts). */
  readonly calibration?: Calibration;
}

export type PcaStatistic = 't2' | 'q' | 'both';
export type LimitMethod = 'empirical' | 'parametric';

export interface Calibration {
  /** Contiguous blocks of the training rows, each scored by a model fitted on the others. */
  readonly folds: number;
  /** Held-out rows scored (every training row once). */
  readonly rows: number;
  /** The smoothing the statistics were calibrated with. */
  readonly smoothing: { readonly method: 'mean' | 'median' | 'ewma'; readonly rows: number };
  /** Share of held-out rows flagged by limits set without them (cross-validated): the false-alarm rate
   *  to expect on normal data like the training data. The promise of `confidence` is 1 - confidence. */
  readonly falseAlarmRate: number;
  /** The same share with the parametric (F / Jackson–Mudholkar) limits, for comparison. */
  readonly parametricFalseAlarmRate: number;
}

const finite = z.number().finite();

const pcaParametersSchema = z
  .strictObject({
    means: z.array(finite).min(1),
    stds: z.array(finite.positive()),
    eigenvalues: z.array(finite.nonnegative()),
    loadings: z.array(z.array(finite)).min(1),
    k: z.number().int().positive(),
    nTrain: z.number().int().positive(),
    explainedVariance: finite,
    confidence: finite,
    t2Limit: finite.positive(),
    qLimit: finite.nonnegative(),
    lags: z.number().int().nonnegative().optional(),
    statistic: z.enum(['t2', 'q', 'both']).optional(),
    limitMethod: z.enum(['empirical', 'parametric']).optional(),
    calibration: z
      .strictObject({
        folds: z.number().int().positive(),
        rows: z.number().int().nonnegative(),
        smoothing: z.strictObject({ method: z.enum(['mean', 'median', 'ewma']), rows: z.number().int().positive() }),
        falseAlarmRate: finite.min(0).max(1),
        parametricFalseAlarmRate: finite.min(0).max(1),
      })
      .optional(),
  })
  .superRefine((params, ctx) => {
    const p = params.means.length;
    const shapeOk =
      params.stds.length === p &&
      params.eigenvalues.length === p &&
      params.k <= p &&
      params.loadings.length === params.k &&
      params.loadings.every((row) => row.length === p);
    if (!shapeOk) ctx.addIssue({ code: 'custom', message: `array shapes do not match p=${p}, k=${params.k}` });
  });

/** Validates parameters read back from storage; throws a zod error naming what is wrong. */
export function parsePcaParameters(raw: unknown): PcaParameters {
  return pcaParametersSchema.parse(raw);
}
