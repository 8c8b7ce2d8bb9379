import { z } from 'zod';
import { duration, positiveDuration, retryPolicy } from './schema.js';

/** Anomaly episodes (issue 19): how anomalous predictions merge. */
export const episodesSchema = z
  .strictObject({
    /** Gaps between anomalous points up to this are bridged. 0: two resolutions of the model. */
    max_gap: duration.default(0),
    /** Stretches shorter than this are no episode (0: a single anomalous point is one). */
    min_duration: duration.default(0),
    /** Contributing tags an episode names, with their share. */
    top_tags: z.number().int().min(1).max(50).default(5),
  })
  .transform((c) => ({ maxGapMs: c.max_gap, minDurationMs: c.min_duration, topTags: c.top_tags }));
export type EpisodesConfig = z.output<typeof episodesSchema>;

export const outputKinds = ['event', 'result'] as const;
export const outputMethods = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'] as const;

/**
 * One output as declared (config `outputs.definitions[]`, or the API's body): structure only. Templates
 * are checked by src/outputs when the definition is saved (the config's at api start), naming the key.
 */
export const outputDefinitionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, {
    message: 'expected 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
  }),
  kind: z.enum(outputKinds).default('event'),
  url: z.string().min(1).max(2000),
  method: z.enum(outputMethods).default('POST'),
  headers: z.record(z.string(), z.string().max(8000)).default({}),
  params: z.record(z.string(), z.string().max(8000)).default({}),
  /** A template rendering JSON (for `$JSON::` or `${...}` values inserted as JSON); absent: the event itself. */
  payload: z.string().max(64_000).optional(),
  /** One attempt's limit, connection to last byte. */
  timeout: positiveDuration.default(10_000),
  /** Signs each delivery (X-Latigo-Signature); at least 16 characters. */
  secret: z.string().min(16, { message: 'expected at least 16 characters (set it from the environment)' }).optional(),
  enabled: z.boolean().default(true),
  /** Which events (kind `event`): their types, severities and `project/model` glob patterns; empty: all. */
  filter: z
    .strictObject({
      events: z.array(z.string().min(1)).default([]),
      severity: z.array(z.enum(['info', 'warning', 'critical'])).default([]),
      models: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  /** Deliveries of this output sent at once; the others wait (never another output's). */
  concurrency: z.number().int().min(1).max(64).default(4),
});
export type OutputDefinitionInput = z.input<typeof outputDefinitionSchema>;
export type OutputDefinition = z.output<typeof outputDefinitionSchema>;

/** Outputs (issue 19): where events and run results are delivered, and how. */
export const outputsSchema = z
  .strictObject({
    /**
     * Hosts outputs may reach: exact names, `*.example.com`, IP addresses or CIDR ranges. Loopback,
     * private and link-local addresses are refused unless an entry names them explicitly.
     */
    allowed_hosts: z.array(z.string().min(1)).default([]),
    definitions: z.array(outputDefinitionSchema).default([]),
    /** Deliveries that keep failing are parked as failed after this many attempts. */
    retry: retryPolicy({ maximumAttempts: 8, initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 300_000 }),
    /** How often the sender looks for events to route and deliveries that are due. */
    poll_interval: positiveDuration.default(500),
    /**
     * A sender's claim on a delivery lasts the output's timeout plus this; a delivery whose sender died
     * (its claim lapsed) is sent again, with the same delivery id (at least once).
     */
    lease_margin: positiveDuration.default(30_000),
    /** How often the api process looks for models turning stale or fresh and executors lost or back (their events). */
    watch_interval: positiveDuration.default(10_000),
    /** Response bodies are kept up to this many characters with each attempt. */
    max_response_chars: z.number().int().min(0).max(100_000).default(2_000),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.definitions.forEach((d, i) => {
      if (ids.has(d.id)) ctx.addIssue({ code: 'custom', path: ['definitions', i, 'id'], message: `duplicate output id "${d.id}"` });
      ids.add(d.id);
    });
  })
  .transform((c) => ({
    allowedHosts: c.allowed_hosts,
    definitions: c.definitions,
    retry: c.retry,
    pollIntervalMs: c.poll_interval,
    leaseMarginMs: c.lease_margin,
    watchIntervalMs: c.watch_interval,
    maxResponseChars: c.max_response_chars,
  }));
export type OutputsConfig = z.output<typeof outputsSchema>;
