import { z } from 'zod';
import { duration, instant, parseWith, positiveDuration } from '../../src/config/schema.js';

/** Options of the embedded (database) task queue: `task_queue: { type: embedded, ... }`. */
const queueSchema = z.strictObject({
  /** A leased message not acked within this is delivered again (an executor died or hung). Leases are not
   *  renewed, so it must exceed `executor.task_timeout` (loadConfig refuses a configuration where it does not). */
  visibility_timeout: positiveDuration.default(60_000),
  /** Deliveries before a failing message is dead-lettered. */
  max_attempts: z.number().int().positive().default(5),
  /** First redelivery delay after a nack; doubles per attempt (with jitter) up to max_retry_backoff. */
  retry_backoff: duration.default(5_000),
  max_retry_backoff: duration.default(300_000),
  /** How often an idle executor looks for new messages. */
  poll_interval: positiveDuration.default(250),
}).transform((c) => ({
  visibilityTimeoutMs: c.visibility_timeout, maxAttempts: c.max_attempts, retryBackoffMs: c.retry_backoff,
  maxRetryBackoffMs: c.max_retry_backoff, pollIntervalMs: c.poll_interval,
}));
export type EmbeddedQueueConfig = z.output<typeof queueSchema>;
export const parseEmbeddedQueueConfig = (raw: unknown, path: string) => parseWith(queueSchema, raw, path);

/**
 * A model declared in configuration (the demo declares its models in the database instead). Everything the
 * registry would refuse is refused here, so a bad entry stops startup before any database is opened.
 */
const declaredModelSchema = z.strictObject({
  project: z.string().min(1),
  name: z.string().min(1),
  /** Input sensor names; they must exist in the embedded sensor store. */
  tags: z.array(z.string().min(1)).min(2),
  /** Defaults to `tags`. */
  target_tags: z.array(z.string().min(1)).min(1).optional(),
  resolution: positiveDuration.refine(Number.isInteger, { message: 'expected whole milliseconds' }).default(10_000),
  training_from: instant,
  training_to: instant,
}).refine((m) => m.training_to > m.training_from, {
  path: ['training_to'], message: 'expected a time after training_from',
}).transform((m) => ({
  project: m.project, name: m.name, tags: m.tags, targetTags: m.target_tags ?? m.tags, resolutionMs: m.resolution,
  trainingFromMs: m.training_from, trainingToMs: m.training_to,
}));
export type DeclaredModel = z.output<typeof declaredModelSchema>;

const modelInfoSchema = z.strictObject({
  models: z.array(declaredModelSchema).default([]).superRefine((models, ctx) => {
    const seen = new Map<string, number>();
    models.forEach((m, i) => {
      const id = JSON.stringify([m.project, m.name]);
      const first = seen.get(id);
      if (first === undefined) seen.set(id, i);
      else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `model ${m.project}/${m.name} is already declared at models.${first}` });
    });
  }),
}).transform((c) => ({ models: c.models }));
export type EmbeddedModelInfoConfig = z.output<typeof modelInfoSchema>;
export const parseEmbeddedModelInfoConfig = (raw: unknown, path: string) => parseWith(modelInfoSchema, raw, path);

/** The local PCA anomaly model: `predictor: { type: embedded, ... }`. */
const predictorSchema = z.strictObject({
  /** Keep the principal components that together explain this share of the training variance. */
  explained_variance: z.number().gt(0).max(1).default(0.95),
  /** Confidence of the T² and Q control limits (0.99: about 1% false alarms on normal data). */
  confidence: z.number().gt(0.5).lt(1).default(0.99),
  /** Rows in the trailing moving average applied to the scores before thresholding (1 = none). */
  smoothing_window: z.number().int().positive().default(1),
  /** Training needs at least this many complete rows. */
  min_training_rows: z.number().int().min(3).default(50),
  /** A window whose complete rows are fewer than this share of its rows has insufficient data. */
  min_window_coverage: z.number().min(0).max(1).default(0.5),
}).transform((c) => ({
  explainedVariance: c.explained_variance, confidence: c.confidence, smoothingWindow: c.smoothing_window,
  minTrainingRows: c.min_training_rows, minWindowCoverage: c.min_window_coverage,
}));
export type EmbeddedPredictorConfig = z.output<typeof predictorSchema>;
export const parseEmbeddedPredictorConfig = (raw: unknown, path: string) => parseWith(predictorSchema, raw, path);

/** Sections with no options of their own yet: any key is refused so a typo is not silently ignored. */
const noOptionsSchema = z.strictObject({});
export const parseNoOptions = (raw: unknown, path: string): Record<string, never> => parseWith(noOptionsSchema, raw, path) as Record<string, never>;
