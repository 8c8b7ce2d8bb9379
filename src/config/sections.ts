import { z } from 'zod';
import type { RetryPolicy } from '../runtime/retry.js';
import { duration, instant, positiveDuration } from './schema.js';

/** The core sections. Defaults live here and nowhere else; every schema is strict (unknown keys refused). */

export const databaseSchema = z.strictObject({
  /** `sqlite:<path>` (default `sqlite:data/latigo.sqlite`) or `postgres://user:password@host:5432/database`. */
  url: z.string().min(1).default('sqlite:data/latigo.sqlite'),
  /** SQLite: how long a writer waits for the file's lock. */
  busy_timeout_ms: z.number().int().positive().default(15_000),
  log_queries: z.boolean().default(false),
  /** PostgreSQL: connections per process; each task in flight holds one for the length of a transaction. */
  pool_size: z.number().int().positive().default(10),
  /** PostgreSQL: the server cancels a statement running longer (a transient error); 0 turns the limit off. */
  statement_timeout_ms: z.number().int().nonnegative().default(60_000),
  /** PostgreSQL: opening a connection gives up after this long. */
  connect_timeout_ms: z.number().int().positive().default(10_000),
}).transform((c) => ({
  url: c.url, busyTimeoutMs: c.busy_timeout_ms, logQueries: c.log_queries,
  poolSize: c.pool_size, statementTimeoutMs: c.statement_timeout_ms, connectTimeoutMs: c.connect_timeout_ms,
}));
export type DatabaseConfig = z.output<typeof databaseSchema>;

export const schedulerSchema = z.strictObject({
  name: z.string().min(1).default('default'),
  /** Local time in `time_zone` (no offset) or an instant with offset; ticks are aligned to it. */
  start_time: z.string().min(1).default('2020-01-01T00:00:00'),
  time_zone: z.string().min(1).default('UTC'),
  interval: positiveDuration.default(10 * 60_000),
  delay: duration.default(60_000),
  run_at_once: z.boolean().default(true),
  catch_up_horizon: duration.default(24 * 3_600_000),
  /** How often the scheduler wakes to look for new ticks and models between ticks. */
  poll_interval: positiveDuration.default(15_000),
  /** Windows queued per batch; bounds memory and transaction size during catch-up and backfill. */
  batch_size: z.number().int().positive().default(1000),
}).transform((c) => ({
  name: c.name, startTime: c.start_time, timeZone: c.time_zone, intervalMs: c.interval, delayMs: c.delay,
  runAtOnce: c.run_at_once, catchUpHorizonMs: c.catch_up_horizon, pollIntervalMs: c.poll_interval, batchSize: c.batch_size,
}));
export type SchedulerConfig = z.output<typeof schedulerSchema>;

export const retryPolicySchema = z.strictObject({
  initial_interval_ms: z.number().int().positive().default(500),
  backoff_coefficient: z.number().min(1).default(2),
  maximum_interval_ms: z.number().int().positive().default(10_000),
  maximum_attempts: z.number().int().positive().default(4),
}).transform((c): RetryPolicy => ({
  initialIntervalMs: c.initial_interval_ms, backoffCoefficient: c.backoff_coefficient,
  maximumIntervalMs: c.maximum_interval_ms, maximumAttempts: c.maximum_attempts,
}));

export const executorSchema = z.strictObject({
  /** Tasks in flight per executor process. */
  concurrency: z.number().int().positive().max(256).default(8),
  /** A task still running after this is aborted and retried later. Must stay below the task queue's
   *  visibility timeout (checked in loadConfig): leases are not renewed while a task runs. */
  task_timeout: positiveDuration.default(45_000),
  /** On SIGTERM: time to finish tasks in flight before they are aborted and released. */
  shutdown_grace: duration.default(10_000),
  /** Retry of transient provider errors inside one attempt. */
  retry: retryPolicySchema.prefault({}),
  /** Extra rows of history read before each window (on top of the model's own offset). */
  padding_rows: z.number().int().nonnegative().default(0),
  /** V8 old-space limit of executor processes (node --max-old-space-size); 0 leaves Node's default. */
  max_heap_mb: z.number().int().nonnegative().default(128),
}).transform((c) => ({
  concurrency: c.concurrency, taskTimeoutMs: c.task_timeout, shutdownGraceMs: c.shutdown_grace,
  retry: c.retry, paddingRows: c.padding_rows, maxHeapMb: c.max_heap_mb,
}));
export type ExecutorConfig = z.output<typeof executorSchema>;

export const loggingSchema = z.strictObject({
  level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** `auto`: human-readable on a terminal, JSON lines otherwise. */
  format: z.enum(['auto', 'json', 'pretty']).default('auto'),
}).transform((c) => ({ level: c.level, format: c.format }));
export type LoggingConfig = z.output<typeof loggingSchema>;

/** The health, readiness and metrics endpoint each long-running process (scheduler, executor) serves. */
export const httpSchema = z.strictObject({
  /** Off by default: several processes on one host need a port each (supervisord.conf and the compose file set them). */
  enabled: z.boolean().default(false),
  host: z.string().min(1).default('0.0.0.0'),
  /** 0 picks a free port (logged at start). */
  port: z.number().int().min(0).max(65_535).default(9464),
  /** `/readyz` reports not ready when a check (database, queue) takes longer than this. */
  readiness_timeout: positiveDuration.default(2_000),
}).transform((c) => ({ enabled: c.enabled, host: c.host, port: c.port, readinessTimeoutMs: c.readiness_timeout }));
export type HttpConfig = z.output<typeof httpSchema>;

export const demoSchema = z.strictObject({
  assets: z.number().int().positive().default(4),
  tags_per_asset: z.number().int().min(6).max(10).default(8),
  resolution: positiveDuration.default(10_000),
  /** Days of history to generate, ending at seed time. */
  history: positiveDuration.default(3 * 86_400_000),
  /** The first part of the history is fault-free and used for training. */
  training: positiveDuration.default(2 * 86_400_000),
  faults_per_asset: z.number().int().nonnegative().default(3),
  seed: z.number().int().default(42),
  /** Project name of the demo models. */
  project: z.string().min(1).default('demo'),
}).transform((c) => ({
  assets: c.assets, tagsPerAsset: c.tags_per_asset, resolutionMs: c.resolution, historyMs: c.history,
  trainingMs: c.training, faultsPerAsset: c.faults_per_asset, seed: c.seed, project: c.project,
}));
export type DemoConfig = z.output<typeof demoSchema>;

export { instant };
