import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MAX_NAME_LENGTH, MAX_PROCESS_NAME_LENGTH } from '../domain/limits.js';
import { liveFeedSchema } from './liveFeedSection.js';
import { MODEL_KINDS } from '../domain/modelKinds/index.js';
import { backfillJobsSchema } from './backfillJobsSchema.js';
import { duration, instant, positiveDuration, retryPolicy, type RenamedKey } from './schema.js';

/** The core sections. Defaults live here and nowhere else; every schema is strict (unknown keys refused). */

export const databaseSchema = z
  .strictObject({
    /** `sqlite:<path>` (default `sqlite:data/latigo.sqlite`) or `postgres://user:password@host:5432/database`. */
    url: z.string().min(1).default('sqlite:data/latigo.sqlite'),
    /** SQLite: how long a writer waits for the file's lock. */
    busy_timeout: positiveDuration.default(15_000),
    log_queries: z.boolean().default(false),
    /** PostgreSQL: connections per process; each task in flight holds one for the length of a transaction. */
    pool_size: z.number().int().positive().default(10),
    /** PostgreSQL: the server cancels a statement running longer (a transient error); 0 turns the limit off. */
    statement_timeout: duration.default(60_000),
    /** PostgreSQL: opening a connection gives up after this long. */
    connect_timeout: positiveDuration.default(10_000),
  })
  .transform((c) => ({
    url: c.url,
    busyTimeoutMs: c.busy_timeout,
    logQueries: c.log_queries,
    poolSize: c.pool_size,
    statementTimeoutMs: c.statement_timeout,
    connectTimeoutMs: c.connect_timeout,
  }));
export type DatabaseConfig = z.output<typeof databaseSchema>;

/** Keys of `database` renamed in this release (one duration vocabulary: no `_ms` suffixes). */
export const databaseRenamedKeys: readonly RenamedKey[] = [
  { from: 'busy_timeout_ms', to: 'busy_timeout' },
  { from: 'statement_timeout_ms', to: 'statement_timeout' },
  { from: 'connect_timeout_ms', to: 'connect_timeout' },
];

/** Most windows per batch (scheduler.batch_size): one INSERT and one send each; larger gains nothing. */
export const MAX_BATCH_SIZE = 10_000;

export const schedulerSchema = z
  .strictObject({
    /** Kept in scheduler_state.name: at most MAX_PROCESS_NAME_LENGTH (100) characters. */
    name: z
      .string()
      .min(1)
      .max(MAX_PROCESS_NAME_LENGTH, `expected at most ${MAX_PROCESS_NAME_LENGTH} characters (the width of scheduler_state.name)`)
      .default('default'),
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
    batch_size: z.number().int().positive().max(MAX_BATCH_SIZE).default(1000),
    /** The shortest `interval` accepted: a 10 ms interval queued 354,004 windows a minute. */
    min_interval: positiveDuration.default(1_000),
    /** Most windows one pass plans (the newest tick's first, then catch-up); the rest follow on the next passes. */
    max_windows_per_pass: z.number().int().positive().default(20_000),
    /** Finished windows (and their run history) older than this are pruned; 0 keeps them for ever. */
    window_retention: duration.default(90 * 86_400_000),
    /** Dead letters of the task queue older than this are forgotten; 0 keeps them for ever. */
    dead_letter_retention: duration.default(30 * 86_400_000),
    /** How often the scheduler prunes. */
    retention_interval: positiveDuration.default(3_600_000),
    backfill: backfillJobsSchema.prefault({}),
    /** Events of the live feed's outbox older than this are pruned (a client reconnecting with an older id misses them); 0 keeps them by age. */
    event_retention: duration.default(7 * 86_400_000),
    /** The outbox keeps at most this many of the newest events; 0: no limit by count. */
    event_max_rows: z.number().int().nonnegative().default(1_000_000),
    /** Ingest's write log (`sensor_write`, one row per sensor and write) older than this is pruned; 0 keeps it for ever. */
    sensor_write_retention: duration.default(30 * 86_400_000),
  })
  .superRefine((c, ctx) => {
    if (c.window_retention > 0 && c.window_retention <= c.catch_up_horizon) {
      // A pruned window inside the horizon would look missing and be queued again.
      ctx.addIssue({
        code: 'custom',
        path: ['window_retention'],
        message: `expected 0 (keep for ever) or longer than scheduler.catch_up_horizon (${c.catch_up_horizon} ms), got ${c.window_retention} ms`,
      });
    }
    if (c.interval < c.min_interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['interval'],
        message: `expected at least scheduler.min_interval (${c.min_interval} ms), got ${c.interval} ms`,
      });
    }
  })
  .transform((c) => ({
    name: c.name,
    startTime: c.start_time,
    timeZone: c.time_zone,
    intervalMs: c.interval,
    delayMs: c.delay,
    runAtOnce: c.run_at_once,
    catchUpHorizonMs: c.catch_up_horizon,
    pollIntervalMs: c.poll_interval,
    batchSize: c.batch_size,
    minIntervalMs: c.min_interval,
    maxWindowsPerPass: c.max_windows_per_pass,
    windowRetentionMs: c.window_retention,
    deadLetterRetentionMs: c.dead_letter_retention,
    retentionIntervalMs: c.retention_interval,
    backfill: c.backfill,
    eventRetentionMs: c.event_retention,
    eventMaxRows: c.event_max_rows,
    sensorWriteRetentionMs: c.sensor_write_retention,
  }));
export type SchedulerConfig = z.output<typeof schedulerSchema>;

/** Keys of `executor` renamed in this release (one duration vocabulary: no `_ms` suffixes). */
export const executorRenamedKeys: readonly RenamedKey[] = [
  { from: 'retry.initial_interval_ms', to: 'retry.initial_interval' },
  { from: 'retry.maximum_interval_ms', to: 'retry.maximum_interval' },
];

export const executorSchema = z
  .strictObject({
    /** Tasks in flight per executor process. */
    concurrency: z.number().int().positive().max(256).default(8),
    /** A task still running after this is aborted and retried later. Must stay below the task queue's
     *  visibility timeout (checked in loadConfig): leases are not renewed while a task runs. */
    task_timeout: positiveDuration.default(45_000),
    /** On SIGTERM: time to finish tasks in flight before they are aborted and released. */
    shutdown_grace: duration.default(10_000),
    /** Retry of a provider call's transient errors inside one attempt, unless the provider retried them already (README "Retries"). */
    retry: retryPolicy({ maximumAttempts: 4, initialIntervalMs: 500, backoffCoefficient: 2, maximumIntervalMs: 10_000 }),
    /** Extra rows of history read before each window (on top of the model's own offset). */
    padding_rows: z.number().int().nonnegative().default(0),
    /** V8 old-space limit of executor processes (node --max-old-space-size); 0 leaves Node's default. */
    max_heap_mb: z.number().int().nonnegative().default(128),
    /** Rows of one task's padded window at the model's resolution; a longer window fails for good (issue 14). */
    max_window_rows: z.number().int().positive().default(100_000),
    /** Input tags of one model; a model with more fails its tasks for good. */
    max_model_tags: z.number().int().positive().default(1_000),
    /** `latigo start`: a window whose executor died this many times while running it is recorded dead (poison). */
    poison_window_crashes: z.number().int().positive().default(3),
    /** Executor pools by name, each the model kinds it serves (README "Executor pools"). */
    pools: z.record(z.string().min(1).max(64), z.array(z.enum(MODEL_KINDS)).min(1)).default({}),
    /** The pool of this executor process (`latigo executor --pool NAME`); every kind when omitted. */
    pool: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.pool !== undefined && c.pools[c.pool] === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['pool'],
        message: `unknown pool ${JSON.stringify(c.pool)}; executor.pools defines: ${Object.keys(c.pools).join(', ') || '(none)'}`,
      });
  })
  .transform((c) => ({
    pools: c.pools,
    pool: c.pool,
    /** The lanes (model kinds) this executor leases: its pool's, or all when it has none. */
    lanes: c.pool === undefined ? undefined : (c.pools[c.pool] as readonly string[] | undefined),
    concurrency: c.concurrency,
    taskTimeoutMs: c.task_timeout,
    shutdownGraceMs: c.shutdown_grace,
    retry: c.retry,
    paddingRows: c.padding_rows,
    maxHeapMb: c.max_heap_mb,
    maxWindowRows: c.max_window_rows,
    maxModelTags: c.max_model_tags,
    poisonWindowCrashes: c.poison_window_crashes,
  }));
export type ExecutorConfig = z.output<typeof executorSchema>;

export const loggingSchema = z
  .strictObject({
    level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    /** `auto`: human-readable on a terminal, JSON lines otherwise. */
    format: z.enum(['auto', 'json', 'pretty']).default('auto'),
  })
  .transform((c) => ({ level: c.level, format: c.format }));
export type LoggingConfig = z.output<typeof loggingSchema>;

/** The health, readiness and metrics endpoint each long-running process (scheduler, executor) serves. */
export const httpSchema = z
  .strictObject({
    /** Off by default: several processes on one host need a port each (supervisord.conf and the compose file set them). */
    enabled: z.boolean().default(false),
    host: z.string().min(1).default('0.0.0.0'),
    /** 0 picks a free port (logged at start). */
    port: z.number().int().min(0).max(65_535).default(9464),
    /** `/readyz` reports not ready when a check (database, queue) takes longer than this. */
    readiness_timeout: positiveDuration.default(2_000),
  })
  .transform((c) => ({ enabled: c.enabled, host: c.host, port: c.port, readinessTimeoutMs: c.readiness_timeout }));
export type HttpConfig = z.output<typeof httpSchema>;

export const demoSchema = z
  .strictObject({
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
    project: z
      .string()
      .min(1)
      .max(MAX_NAME_LENGTH, `expected at most ${MAX_NAME_LENGTH} characters (the width of the ledger's name columns)`)
      .default('demo'),
    /** Also a forecast model and a threshold model on the first asset, beside the PCA models (README "Job types"). */
    job_kinds: z.boolean().default(true),
  })
  .transform((c) => ({
    jobKinds: c.job_kinds,
    assets: c.assets,
    tagsPerAsset: c.tags_per_asset,
    resolutionMs: c.resolution,
    historyMs: c.history,
    trainingMs: c.training,
    faultsPerAsset: c.faults_per_asset,
    seed: c.seed,
    project: c.project,
  }));
export type DemoConfig = z.output<typeof demoSchema>;

export { instant };

/** Who may call the service API: `viewer` reads, `operator` also starts runs, backfills and re-drives, `admin` everything. */
export const apiRoles = ['viewer', 'operator', 'admin'] as const;
export type ApiRole = (typeof apiRoles)[number];

/**
 * A token as the API keeps it: its SHA-256 hash only. The plain text (from the environment, through
 * `${VAR}` interpolation) is hashed while the configuration is parsed and never stored.
 */
export interface ApiToken {
  readonly name: string;
  readonly role: ApiRole;
  readonly sha256: Buffer;
}

const apiTokenSchema = z
  .strictObject({
    name: z.string().min(1),
    role: z.enum(apiRoles),
    /** At least 16 characters: a short token is guessable over the network. */
    token: z
      .string()
      .min(16, { message: 'expected a token of at least 16 characters (set it from the environment: token: ${LATIGO_API_TOKEN})' }),
  })
  .transform((t): ApiToken => ({ name: t.name, role: t.role, sha256: createHash('sha256').update(t.token, 'utf8').digest() }));

/** Addresses that only this host can reach: the API may listen there without tokens. */
export function isLoopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** The `api` role: the HTTP service API (src/api). */
export const apiSchema = z
  .strictObject({
    /** Listen address. Without tokens only a loopback address is allowed. */
    address: z.string().min(1).default('127.0.0.1'),
    /** 0 picks a free port (printed at start). */
    port: z.number().int().min(0).max(65_535).default(8080),
    tokens: z.array(apiTokenSchema).default([]),
    /** The longest time range one request may ask for (predictions, sensor data, runs). */
    max_range: positiveDuration.default(31 * 86_400_000),
    /** Request bodies larger than this are refused with 413. */
    body_limit_bytes: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /** Items per page when a list request names no `limit`; `limit` may not exceed `max_page_size`. */
    default_page_size: z.number().int().positive().default(100),
    max_page_size: z.number().int().positive().default(1000),
    /** Model lists and freshness are read from the catalogue and the ledger at most this often (0: every request). */
    catalog_cache: duration.default(2_000),
    /** Every scheduler and executor writes its heartbeat (process table) this often. */
    heartbeat_interval: positiveDuration.default(5_000),
    /** A process without a heartbeat for this long is shown `lost`... */
    lost_after: positiveDuration.default(30_000),
    /** ...and its row is deleted after this long. */
    forget_after: positiveDuration.default(24 * 3_600_000),
    /** The live feed (/ws): see liveFeedSection.ts. */
    ws: liveFeedSchema,
  })
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    c.tokens.forEach((t, i) => {
      if (names.has(t.name)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'name'], message: `duplicate token name "${t.name}"` });
      names.add(t.name);
    });
    if (c.tokens.length === 0 && !isLoopbackAddress(c.address)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokens'],
        message: `expected at least one token: without tokens the API may listen only on a loopback address (127.0.0.1), not "${c.address}"`,
      });
    }
    if (c.default_page_size > c.max_page_size) {
      ctx.addIssue({ code: 'custom', path: ['default_page_size'], message: `expected at most max_page_size (${c.max_page_size})` });
    }
    if (c.lost_after <= c.heartbeat_interval) {
      ctx.addIssue({ code: 'custom', path: ['lost_after'], message: `expected more than heartbeat_interval (${c.heartbeat_interval} ms)` });
    }
  })
  .transform((c) => ({
    address: c.address,
    port: c.port,
    tokens: c.tokens,
    maxRangeMs: c.max_range,
    bodyLimitBytes: c.body_limit_bytes,
    defaultPageSize: c.default_page_size,
    maxPageSize: c.max_page_size,
    catalogCacheMs: c.catalog_cache,
    heartbeatIntervalMs: c.heartbeat_interval,
    lostAfterMs: c.lost_after,
    forgetAfterMs: c.forget_after,
    ws: c.ws,
  }));
export type ApiConfig = z.output<typeof apiSchema>;

/** Service-level objectives. */
export const sloSchema = z
  .strictObject({
    /** A model whose newest finished window ended longer ago than this is stale. Default (0): scheduler interval + delay + one interval. */
    max_staleness: duration.default(0),
  })
  .transform((c) => ({ maxStalenessMs: c.max_staleness }));
export type SloConfig = z.output<typeof sloSchema>;
