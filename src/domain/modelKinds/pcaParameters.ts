import { z } from 'zod';

/**
 * Per-model overrides of the `pca_anomaly` kind (the `predictor` section's defaults otherwise); the same
 * names and ranges providers/pca checks when it trains. Unknown keys are refused so a typo is not ignored.
 */
export const pcaParametersSchema = z.strictObject({
  kind: z.literal('pca_anomaly').optional(),
  explained_variance: z.number().gt(0).max(1).optional(),
  confidence: z.number().gt(0.5).lt(1).optional(),
  smoothing_window: z.number().int().min(1).optional(),
  lags: z.number().int().min(0).optional(),
  statistic: z.enum(['t2', 'q', 'both']).optional(),
  limits: z.enum(['empirical', 'parametric']).optional(),
  /** A row is anomalous when its score (a multiple of the control limit) exceeds this; default 1 (issue 16's backtest). */
  threshold: z.number().positive().optional(),
  smoothing: z.strictObject({ method: z.enum(['mean', 'median', 'ewma']).optional(), rows: z.number().int().min(1).optional() }).optional(),
});
export type PcaAnomalyParameters = z.output<typeof pcaParametersSchema>;
