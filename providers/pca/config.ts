import { z } from 'zod';
import { parseWith } from '../../src/config/schema.js';

const smoothingSchema = z.strictObject({
  /** mean, median (robust to a single wild row) or ewma (recent rows weigh more; truncated at `rows`). */
  method: z.enum(['mean', 'median', 'ewma']).default('mean'),
  /** The last this many scored rows (the row itself included), whatever gaps lie between them. */
  rows: z.number().int().positive().default(1),
});

/** The local PCA anomaly model: `predictor: { type: embedded, ... }`. */
const predictorSchema = z
  .strictObject({
    /** Keep the principal components that together explain this share of the training variance. */
    explained_variance: z.number().gt(0).max(1).default(0.95),
    /** The share of normal rows that must stay below the threshold: with `limits: empirical`, 0.99 means
     *  about 1 % of rows like the training data's are flagged (the calibration measures and stores it). */
    confidence: z.number().gt(0.5).lt(1).default(0.99),
    /** Lagged copies of each tag the model sees (dynamic PCA): 0 = static PCA, N, or auto (from the
     *  training data's partial autocorrelation, at most 5). */
    lags: z.union([z.number().int().min(0).max(50), z.literal('auto')]).default(2),
    /** Which statistic raises alarms: t2 (inside the model), q (off the model: broken correlations), both. */
    statistic: z.enum(['t2', 'q', 'both']).default('both'),
    /** empirical: calibrated on held-out training rows; parametric: the F / Jackson–Mudholkar formulas. */
    limits: z.enum(['empirical', 'parametric']).default('empirical'),
    /** Smoothing of T² and Q before thresholding. */
    smoothing: smoothingSchema.optional(),
    /** Older spelling of `smoothing: { method: mean, rows: N }`; refused together with `smoothing`. */
    smoothing_window: z.number().int().positive().optional(),
    /** Training needs at least this many complete rows. */
    min_training_rows: z.number().int().min(3).default(50),
    /** A window whose complete rows are fewer than this share of its rows has low coverage. */
    min_window_coverage: z.number().min(0).max(1).default(0.5),
    /** What a low-coverage window gets: flag (scored; its rows carry low_coverage: 1 and the window counts
     *  low_coverage_windows) or skip (recorded as insufficient data, the behaviour before 2026-12). */
    low_coverage: z.enum(['flag', 'skip']).default('flag'),
  })
  .refine((c) => c.smoothing === undefined || c.smoothing_window === undefined, {
    path: ['smoothing_window'],
    message: 'give smoothing: { method, rows } or smoothing_window, not both',
  })
  .transform((c) => ({
    explainedVariance: c.explained_variance,
    confidence: c.confidence,
    lags: c.lags,
    statistic: c.statistic,
    limitMethod: c.limits,
    smoothingMethod: c.smoothing?.method ?? 'mean',
    smoothingWindow: c.smoothing?.rows ?? c.smoothing_window ?? 1,
    minTrainingRows: c.min_training_rows,
    minWindowCoverage: c.min_window_coverage,
    lowCoverage: c.low_coverage,
  }));
export type EmbeddedPredictorConfig = z.output<typeof predictorSchema>;
export const parseEmbeddedPredictorConfig = (raw: unknown, path: string) => parseWith(predictorSchema, raw, path);
