import { z } from 'zod';
import { duration, instant, positiveDuration } from '../config/schema.js';
import type { ModelDefinition } from '../contracts/ModelWriter.js';
import type { ModelTrigger } from '../domain/ModelTrigger.js';
import { InvalidDataError } from '../runtime/errors.js';
import { DEFAULT_MODEL_KIND, validateModelParameters } from '../domain/modelKinds/index.js';

/** Where a definition's training rows come from: an explicit range, or the first rows / hours of the tags' data. */
export type TrainingSpec = { fromMs: number; toMs: number } | { firstRows: number } | { firstHours: number };

/** A definition as a user writes it, before a relative training range is resolved against the data. */
export type ModelDefinitionInput = Omit<ModelDefinition, 'trainingRange' | 'trainingSpec'> & { training: TrainingSpec };

/** The finest resolution a model may have: the embedded store keeps milliseconds, but a row a second is the design floor. */
export const MIN_RESOLUTION_MS = 1_000;
/** Late points are looked for this far back from the newest data unless a definition says otherwise. */
const DEFAULT_LATE_HORIZON_MS = 24 * 3_600_000;

const names = z.array(z.string().min(1).max(1000)).min(1);

const triggerSchema = z.union([
  z.enum(['schedule', 'data']).transform((type) => ({ type })),
  z.strictObject({
    type: z.enum(['schedule', 'data']),
    /** Data trigger: dispatch only once this many points arrived since the last dispatch. */
    min_new_points: z.number().int().positive().optional(),
    /** Data trigger: a window runs once every input tag has data at or past its last bucket. Default true. */
    watermark: z.boolean().optional(),
    /** Data trigger: run a window on what is there this long after its first tag passed its end (counted late). */
    max_wait: positiveDuration.optional(),
    /** Data trigger: re-run a predicted window when points arrive for it later. Default true. */
    rerun_late: z.boolean().optional(),
    /** Data trigger: how far back from the newest data late points are looked for. Default 24h. */
    late_horizon: positiveDuration.optional(),
  }),
]);

const trainingSchema = z.union([
  z.strictObject({ from: instant, to: instant }).refine((t) => t.to > t.from, { path: ['to'], message: 'expected a time after from' }),
  z.strictObject({ first_rows: z.number().int().min(3) }),
  z.strictObject({ first_hours: z.number().positive() }),
]);

/**
 * The one schema of a model definition, shared by `POST /api/v1/models`, `latigo models define` and
 * `model_info.models` (snake_case, durations as `10s` or milliseconds). Kind parameters are checked by the
 * kind's own validator (modelKinds.ts).
 */
export const modelDefinitionSchema = z
  .strictObject({
    project: z.string().min(1).max(200),
    name: z.string().min(1).max(200),
    /** The model kind (src/domain/modelKinds); omitted: pca_anomaly, and the revision stays that of a model without one. */
    kind: z.string().min(1).optional(),
    tags: names,
    target_tags: names.optional(),
    resolution: positiveDuration
      .refine(Number.isInteger, { message: 'expected whole milliseconds' })
      .refine((v) => v >= MIN_RESOLUTION_MS, { message: `expected at least 1s (${MIN_RESOLUTION_MS} ms)` })
      .default(10_000),
    trigger: triggerSchema.optional(),
    /** The window length (trigger data or a schedule of the model's own). */
    interval: positiveDuration.optional(),
    /** Schedule trigger: how long after a window's end it runs. */
    delay: duration.optional(),
    training: trainingSchema.optional(),
    /** The older spelling of `training: { from, to }`. */
    training_from: instant.optional(),
    training_to: instant.optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((d, ctx) => {
    const explicit = d.training_from !== undefined || d.training_to !== undefined;
    if (explicit && d.training !== undefined)
      ctx.addIssue({ code: 'custom', path: ['training_from'], message: 'give training or training_from/training_to, not both' });
    else if (explicit && (d.training_from === undefined || d.training_to === undefined || d.training_to <= d.training_from))
      ctx.addIssue({ code: 'custom', path: ['training_to'], message: 'expected training_from and a training_to after training_from' });
    else if (!explicit && d.training === undefined)
      ctx.addIssue({ code: 'custom', path: ['training'], message: 'expected { from, to }, { first_rows } or { first_hours }' });
    const type = d.trigger?.type ?? 'schedule';
    if (type === 'data' && d.interval === undefined)
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'trigger data needs interval: the length of its windows' });
    if (type === 'data' && d.delay !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['delay'],
        message: 'delay is for trigger schedule; trigger data waits for the data (max_wait)',
      });
    if (d.trigger !== undefined && 'min_new_points' in d.trigger && type === 'schedule') {
      const keys = ['min_new_points', 'watermark', 'max_wait', 'rerun_late', 'late_horizon'] as const;
      const extra = keys.find((k) => (d.trigger as Record<string, unknown>)[k] !== undefined);
      if (extra) ctx.addIssue({ code: 'custom', path: ['trigger', extra], message: `${extra} is for trigger data` });
    }
    const trigger = d.trigger as { watermark?: boolean; min_new_points?: number; max_wait?: number } | undefined;
    if (type === 'data' && trigger?.watermark === false && trigger.min_new_points === undefined && trigger.max_wait === undefined)
      ctx.addIssue({ code: 'custom', path: ['trigger', 'watermark'], message: 'with watermark false, give min_new_points or max_wait' });
    if (d.interval !== undefined && d.interval % d.resolution !== 0)
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'expected a whole number of resolution steps' });
    const check = validateModelParameters(d.kind ?? DEFAULT_MODEL_KIND, d.parameters);
    if (!check.ok) for (const issue of check.issues) ctx.addIssue({ code: 'custom', path: issue.key.split('.'), message: issue.message });
  })
  .transform((d): ModelDefinitionInput => {
    const training: TrainingSpec =
      d.training === undefined
        ? { fromMs: d.training_from!, toMs: d.training_to! }
        : 'first_rows' in d.training
          ? { firstRows: d.training.first_rows }
          : 'first_hours' in d.training
            ? { firstHours: d.training.first_hours }
            : { fromMs: d.training.from, toMs: d.training.to };
    const trigger = triggerOf(d);
    return {
      project: d.project,
      name: d.name,
      ...(d.kind === undefined ? {} : { kind: d.kind }),
      inputTags: d.tags,
      ...(d.target_tags === undefined ? {} : { targetTags: d.target_tags }),
      resolutionMs: d.resolution,
      training,
      ...(d.parameters === undefined ? {} : { parameters: d.parameters }),
      ...(trigger === undefined ? {} : { trigger }),
    };
  });

function triggerOf(d: {
  trigger?: {
    type: 'schedule' | 'data';
    min_new_points?: number;
    watermark?: boolean;
    max_wait?: number;
    rerun_late?: boolean;
    late_horizon?: number;
  };
  interval?: number | undefined;
  delay?: number | undefined;
}): ModelTrigger | undefined {
  const t = d.trigger;
  if (t?.type === 'data') {
    return {
      type: 'data',
      intervalMs: d.interval!,
      watermark: t.watermark ?? true,
      ...(t.min_new_points === undefined ? {} : { minNewPoints: t.min_new_points }),
      ...(t.max_wait === undefined ? {} : { maxWaitMs: t.max_wait }),
      rerunLate: t.rerun_late ?? true,
      lateHorizonMs: t.late_horizon ?? DEFAULT_LATE_HORIZON_MS,
    };
  }
  // A schedule without an interval or delay of its own follows the scheduler section's clock.
  if (d.interval === undefined && d.delay === undefined) return undefined;
  if (d.interval === undefined) return undefined;
  return { type: 'schedule', intervalMs: d.interval, delayMs: d.delay ?? 0 };
}

/**
 * Parses one definition; throws InvalidDataError whose message starts with the dotted key under `path`
 * (e.g. `body.training.first_rows: ...`), so the API's problem document and the CLI name the field.
 */
export function parseModelDefinition(raw: unknown, path: string): ModelDefinitionInput {
  const result = modelDefinitionSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = [path, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
      : issue.message;
  throw new DefinitionError(key, message);
}

/** A refused definition: `field` is the dotted key (under the caller's path) that is wrong. */
export class DefinitionError extends InvalidDataError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}
