import { z } from 'zod';
import { parseWith, positiveDuration } from '../../src/config/schema.js';
import { parseCredentialConfig, type CredentialConfig } from '../../src/credentials/index.js';

/** How to reach the Gordo gateway; shared by `model_info: { type: gordo }` and `predictor: { type: gordo }`. */
const connection = {
  /** Gateway base URL; requests go to `<url>/gordo/v0/<project>/...`. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://gordo.example.com' }),
  /** One request gives up after this long (a retryable failure). */
  timeout: positiveDuration.default(30_000),
  /** Sockets per executor process to the gateway: bounds the requests in flight. */
  max_connections: z.number().int().positive().default(16),
  /** Bearer token for the gateway (see the README's credential reference); none when absent. */
  credential: z.unknown().optional(),
};

export interface GordoConnectionConfig {
  readonly url: string;
  readonly timeoutMs: number;
  readonly maxConnections: number;
  readonly credential?: CredentialConfig;
}

function connectionOf(
  c: { url: string; timeout: number; max_connections: number; credential?: unknown },
  path: string,
): GordoConnectionConfig {
  return {
    url: c.url,
    timeoutMs: c.timeout,
    maxConnections: c.max_connections,
    ...(c.credential === undefined ? {} : { credential: parseCredentialConfig(c.credential, `${path}.credential`) }),
  };
}

const modelInfoSchema = z.strictObject({
  ...connection,
  /** The Gordo projects to schedule (the gateway cannot list them). */
  projects: z.array(z.string().min(1)).min(1, { message: 'expected at least one project' }),
});

export interface GordoModelInfoConfig extends GordoConnectionConfig {
  readonly projects: readonly string[];
}

export function parseGordoModelInfoConfig(raw: unknown, path: string): GordoModelInfoConfig {
  const c = parseWith(modelInfoSchema, raw, path);
  return { ...connectionOf(c, path), projects: [...new Set(c.projects)] };
}

const predictorSchema = z.strictObject({
  ...connection,
  /** Rows per prediction request; a longer window is split into batches. */
  batch_rows: z.number().int().positive().default(10_000),
  /** Batches of one task sent at once. */
  parallelism: z.number().int().positive().default(4),
  /** Model metadata documents kept per process (one per model and revision; they never change). */
  metadata_cache_size: z.number().int().positive().default(20_000),
});

export interface GordoPredictorConfig extends GordoConnectionConfig {
  readonly batchRows: number;
  readonly parallelism: number;
  readonly metadataCacheSize: number;
}

export function parseGordoPredictorConfig(raw: unknown, path: string): GordoPredictorConfig {
  const c = parseWith(predictorSchema, raw, path);
  return { ...connectionOf(c, path), batchRows: c.batch_rows, parallelism: c.parallelism, metadataCacheSize: c.metadata_cache_size };
}
