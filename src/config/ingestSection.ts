import { z } from 'zod';

/** Bytes as a number or text with a unit: 512MB, 64KiB, 1GB (decimal and binary units alike, as 1024-based). */
const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(value);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `expected a size such as 512MB or 1048576, got "${value}"` });
    return z.NEVER;
  }
  const power = ['', 'k', 'm', 'g', 't'].indexOf(match[2]!.toLowerCase());
  return Math.round(Number(match[1]) * 1024 ** power);
});

/** `ingest`: POST /api/v1/ingest and `latigo import` (src/ingest). */
export const ingestSchema = z
  .strictObject({
    /** An ingest body (after gzip is undone) longer than this is refused with 413; it is streamed, never held in memory. */
    max_body: byteSize.default(1024 * 1024 * 1024),
    /** Points handed to the sensor store per write; an all-or-nothing request spools to a temporary file beyond it. */
    batch_points: z.number().int().positive().max(1_000_000).default(50_000),
    /** Unknown sensors are created (true) or refused (false); `?create_tags=` overrides it per request. */
    create_tags: z.boolean().default(true),
    /** CSV columns that hold labels rather than sensor values (kept out of the sensor tags), matched case-insensitively. */
    label_columns: z.array(z.string().min(1)).default(['anomaly', 'label']),
    /** Line protocol: the tag key whose value names the sensor (else the measurement does); a field other than `value` is appended as `.<field>`. */
    line_protocol_sensor_tag: z.string().min(1).default('tag'),
    /** Rejected rows listed in a problem document or a partial answer (all are counted). */
    max_listed_rejections: z.number().int().positive().default(100),
  })
  .transform((c) => ({
    maxBodyBytes: c.max_body,
    batchPoints: c.batch_points,
    createTags: c.create_tags,
    labelColumns: c.label_columns,
    lineProtocolSensorTag: c.line_protocol_sensor_tag,
    maxListedRejections: c.max_listed_rejections,
  }));
export type IngestConfig = z.output<typeof ingestSchema>;
