import { z } from 'zod';

const tag = z.string().min(1);
const finite = z.number().finite();
/** How far back past a limit a value must come before an alarm clears (in the tag's unit); 0 clears at once. */
const hysteresis = z.number().finite().nonnegative().default(0);

const above = z.strictObject({ type: z.literal('above'), tag, value: finite, hysteresis });
const below = z.strictObject({ type: z.literal('below'), tag, value: finite, hysteresis });
const outside = z
  .strictObject({ type: z.literal('outside'), tag, low: finite, high: finite, hysteresis })
  .refine((r) => r.low < r.high, { message: 'low must be below high', path: ['low'] });
/** |Δvalue| per minute between consecutive rows above `max_per_minute`. */
const rate = z.strictObject({ type: z.literal('rate'), tag, max_per_minute: finite.positive(), hysteresis });
/** No change (|Δ| <= tolerance) over `points` consecutive rows. */
const stuck = z.strictObject({
  type: z.literal('stuck'),
  tag,
  points: z.number().int().min(2).max(100_000),
  tolerance: finite.nonnegative().default(0),
});

export const thresholdRuleSchema = z.discriminatedUnion('type', [above, below, outside, rate, stuck]);
export type ThresholdRule = z.output<typeof thresholdRuleSchema>;

/** Parameters of the `threshold` kind: static rules per tag, each raising the same anomaly rows as the detectors. */
export const thresholdParametersSchema = z.strictObject({
  kind: z.literal('threshold').optional(),
  rules: z.array(thresholdRuleSchema).min(1),
});
export type ThresholdParameters = z.output<typeof thresholdParametersSchema>;
