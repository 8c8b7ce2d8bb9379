import { z } from 'zod';
import { duration, parseWith, positiveDuration, readRenamedKeys, retryPolicy, type RenamedKey } from '../../src/config/schema.js';
import { parseCredentialConfig, type CredentialConfig } from '../../src/credentials/index.js';
import { checkOutputNaming, pythonLatigoOutputNaming, type FacilityMode, type FacilityRule } from '../../src/domain/index.js';
import { ConfigError } from '../../src/runtime/errors.js';
import type { RetryPolicy } from '../../src/runtime/retry.js';

/**
 * One schema for `sensor_information`, `sensor_data` and `prediction_storage` with `type: data_api`: each
 * section reads the keys it needs, so one block can be copied between them.
 */
const schema = z.strictObject({
  /** The Time Series API base, e.g. https://api.gateway.equinor.com/plant/timeseries/v1.7 */
  base_url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://api.gateway.equinor.com/plant/timeseries/v1.7' }),
  /** How to obtain the bearer token (README: credentials). */
  credential: z.unknown(),
  /** One HTTP request gives up after this long (a retryable failure). */
  timeout: positiveDuration.default(30_000),
  /** Sockets per process to the API: bounds the requests in flight. */
  max_connections: z.number().int().positive().default(16),
  /**
   * Retries of one HTTP request (429 and 5xx, honouring Retry-After; network errors), so a failed page
   * does not restart a paged read. What still fails is not retried again by `executor.retry`: the task
   * goes back to the queue (README "Retries").
   */
  retry: retryPolicy({ maximumAttempts: 5, initialIntervalMs: 500, backoffCoefficient: 2, maximumIntervalMs: 30_000 }),
  /** Name -> series lookups are cached this long (historian renames are rare; the Python latigo used 24 h). */
  series_cache_ttl: duration.default(24 * 3_600_000),
  facility: z
    .strictObject({
      /** `first_tag`: a model's tags all live in the facility of its first tag (the Python latigo); `per_tag`: each its own. */
      mode: z.enum(['first_tag', 'per_tag']).default('first_tag'),
      /** Tag-name prefixes that decide the facility without asking the API; the longest match wins. */
      rules: z.array(z.strictObject({ prefix: z.string().min(1), facility: z.string().min(1) })).default([]),
      /** When neither a rule nor the API names one (e.g. output series of a tag the API does not hold). */
      default: z.string().min(1).optional(),
    })
    .prefault({}),
  read: z
    .strictObject({
      /** Series per multi-id read; the API refuses more than 100. */
      ids_per_request: z.number().int().min(1).max(100).default(100),
      /** Points per series per response (1 to 100 000); more are fetched with continuationToken. */
      points_per_request: z.number().int().min(1).max(100_000).default(100_000),
      /** Quality codes kept; 192 is Good. Others are filtered by the API and dropped if it sends them. */
      status_filter: z.array(z.number().int().nonnegative()).min(1).default([192]),
      /** Multi-id reads of one task in flight at once. */
      parallelism: z.number().int().positive().default(4),
    })
    .prefault({}),
  output: z
    .strictObject({
      /** Output series names: placeholders {tag} {model} {project} {revision} {operation}. */
      naming: z.string().min(1).default(pythonLatigoOutputNaming),
      /** The `{tag}` of the series a model writes once per timestamp (total anomaly, threshold, flag). */
      indicator_tag: z.string().min(1).default('{facility}.INDICATOR'),
      /** Quality code written with every prediction (192 = Good). */
      status: z.number().int().nonnegative().default(192),
      /** Datapoints per write request; larger sets are split. */
      points_per_request: z.number().int().positive().default(50_000),
    })
    .prefault({}),
});

/** Keys renamed in this release: the one retry block is `retry`. */
const renamedKeys: readonly RenamedKey[] = [
  { from: 'request_retry.maximum_attempts', to: 'retry.maximum_attempts' },
  { from: 'request_retry.initial_interval', to: 'retry.initial_interval' },
  { from: 'request_retry.maximum_interval', to: 'retry.maximum_interval' },
];

export interface DataApiConfig {
  readonly baseUrl: string;
  readonly credential: CredentialConfig;
  readonly timeoutMs: number;
  readonly maxConnections: number;
  readonly retry: RetryPolicy;
  readonly seriesCacheTtlMs: number;
  readonly facility: { readonly mode: FacilityMode; readonly rules: readonly FacilityRule[]; readonly default?: string };
  readonly read: {
    readonly idsPerRequest: number;
    readonly pointsPerRequest: number;
    readonly statusFilter: readonly number[];
    readonly parallelism: number;
  };
  readonly output: { readonly naming: string; readonly indicatorTag: string; readonly status: number; readonly pointsPerRequest: number };
}

export function parseDataApiConfig(raw: unknown, path: string): DataApiConfig {
  const c = parseWith(schema, readRenamedKeys(raw, path, renamedKeys), path);
  try {
    checkOutputNaming(c.output.naming);
  } catch (err) {
    throw new ConfigError(`${path}.output.naming`, (err as Error).message, { cause: err });
  }
  return {
    baseUrl: c.base_url.replace(/\/+$/, ''),
    credential: parseCredentialConfig(c.credential, `${path}.credential`),
    timeoutMs: c.timeout,
    maxConnections: c.max_connections,
    retry: c.retry,
    seriesCacheTtlMs: c.series_cache_ttl,
    facility: {
      mode: c.facility.mode,
      rules: c.facility.rules,
      ...(c.facility.default === undefined ? {} : { default: c.facility.default }),
    },
    read: {
      idsPerRequest: c.read.ids_per_request,
      pointsPerRequest: c.read.points_per_request,
      statusFilter: c.read.status_filter,
      parallelism: c.read.parallelism,
    },
    output: {
      naming: c.output.naming,
      indicatorTag: c.output.indicator_tag,
      status: c.output.status,
      pointsPerRequest: c.output.points_per_request,
    },
  };
}
