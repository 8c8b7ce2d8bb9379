import { z } from 'zod';
import { duration, parseWith, positiveDuration } from '../../src/config/schema.js';
import { parseCredentialConfig, type CredentialConfig } from '../../src/credentials/index.js';
import type { FacilityRule } from '../../src/domain/index.js';

/**
 * `model_info: { type: tilstandomatic }` and `sensor_information: { type: tilstandomatic }`: Gordo project
 * configurations from Tilstandomatic's HTTP endpoint, or from files exported from it.
 */
const schema = z
  .strictObject({
    /** An endpoint answering with Gordo resources (one, a list, or `{items: [...]}`), as JSON or YAML. */
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    /** Files holding the same documents, read instead of `url`. */
    files: z.array(z.string().min(1)).min(1).optional(),
    /** Bearer token for `url` (README: credentials); none when absent. */
    credential: z.unknown().optional(),
    /** One request gives up after this long (a retryable failure). */
    timeout: positiveDuration.default(30_000),
    /** A fetched catalogue is used this long before asking again (If-None-Match: an unchanged one costs a 304). */
    refresh_interval: duration.default(60_000),
    /** Only these projects (the Gordo resources' names); all when absent. */
    projects: z.array(z.string().min(1)).min(1).optional(),
    /** The asset of a tag the configuration gives none for: the longest matching name prefix wins. */
    asset_rules: z.array(z.strictObject({ prefix: z.string().min(1), asset: z.string().min(1) })).default([]),
    /** The asset of a tag no rule, tag entry or machine `dataset.asset` names. */
    default_asset: z.string().default(''),
  })
  .refine((c) => (c.url === undefined) !== (c.files === undefined), { message: 'expected exactly one of url and files', path: ['url'] });

export interface TilstandomaticConfig {
  readonly source:
    | { readonly kind: 'http'; readonly url: string; readonly credential?: CredentialConfig }
    | { readonly kind: 'files'; readonly files: readonly string[] };
  readonly timeoutMs: number;
  readonly refreshIntervalMs: number;
  readonly projects?: readonly string[];
  readonly assetRules: readonly FacilityRule[];
  readonly defaultAsset: string;
}

export function parseTilstandomaticConfig(raw: unknown, path: string): TilstandomaticConfig {
  const c = parseWith(schema, raw, path);
  const credential = c.credential === undefined ? undefined : parseCredentialConfig(c.credential, `${path}.credential`);
  return {
    source: c.url !== undefined ? { kind: 'http', url: c.url, ...(credential ? { credential } : {}) } : { kind: 'files', files: c.files! },
    timeoutMs: c.timeout,
    refreshIntervalMs: c.refresh_interval,
    ...(c.projects ? { projects: c.projects } : {}),
    assetRules: c.asset_rules.map((r) => ({ prefix: r.prefix, facility: r.asset })),
    defaultAsset: c.default_asset,
  };
}
