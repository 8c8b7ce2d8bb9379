import type { ThresholdRule } from '../../src/domain/modelKinds/index.js';

/** One rule's verdict per row: whether its alarm is on, and how far past its limit the value is (0 when within). */
export interface RuleTrace {
  readonly active: Uint8Array;
  readonly excess: Float64Array;
}

/**
 * Runs `rule` over one tag's values (`timesMs` aligned). Alarms with hysteresis: an alarm turns on when the
 * value crosses the limit and turns off only once it is back by `hysteresis` (so a value hovering at the limit
 * does not flap). The state at row i depends only on rows before it, so a caller that starts early enough
 * (see `historyRows`) gets the same verdicts for a window whichever window came before. A NaN row holds the
 * state and is not flagged.
 */
export function evaluateRule(rule: ThresholdRule, values: ArrayLike<number>, timesMs: ArrayLike<number>): RuleTrace {
  const n = values.length;
  const active = new Uint8Array(n);
  const excess = new Float64Array(n);
  if (rule.type === 'stuck') {
    // Active at row i when rows i-points+1 … i are all finite and within `tolerance` of each other.
    for (let i = rule.points - 1; i < n; i++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let j = i - rule.points + 1; j <= i; j++) {
        const v = values[j]!;
        if (!Number.isFinite(v)) {
          lo = NaN;
          break;
        }
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (Number.isFinite(lo) && hi - lo <= rule.tolerance) active[i] = 1;
    }
    return { active, excess };
  }
  let on = false;
  for (let i = 0; i < n; i++) {
    const v = measure(rule, values, timesMs, i);
    if (!Number.isFinite(v)) continue;
    const { beyond, backInside } = limits(rule, v);
    if (!on && beyond > 0) on = true;
    else if (on && backInside) on = false;
    active[i] = on ? 1 : 0;
    excess[i] = beyond;
  }
  return { active, excess };
}

/** The value a rule compares: the reading itself, or for `rate` the change per minute since the previous row. */
function measure(rule: ThresholdRule, values: ArrayLike<number>, timesMs: ArrayLike<number>, i: number): number {
  if (rule.type !== 'rate') return values[i]!;
  if (i === 0) return NaN;
  const minutes = (timesMs[i]! - timesMs[i - 1]!) / 60_000;
  return Math.abs(values[i]! - values[i - 1]!) / minutes;
}

/** How far `v` is past the rule's limit (> 0 turns the alarm on) and whether it is back past the hysteresis band. */
function limits(rule: Exclude<ThresholdRule, { type: 'stuck' }>, v: number): { beyond: number; backInside: boolean } {
  switch (rule.type) {
    case 'above':
      return { beyond: Math.max(0, v - rule.value), backInside: v <= rule.value - rule.hysteresis };
    case 'below':
      return { beyond: Math.max(0, rule.value - v), backInside: v >= rule.value + rule.hysteresis };
    case 'outside':
      return {
        beyond: Math.max(0, v - rule.high, rule.low - v),
        backInside: v >= rule.low + rule.hysteresis && v <= rule.high - rule.hysteresis,
      };
    case 'rate':
      return { beyond: Math.max(0, v - rule.max_per_minute), backInside: v <= rule.max_per_minute - rule.hysteresis };
  }
}

/** Rows of history evaluated before a window: a stuck rule's run, and a bounded look-back for hysteresis state. */
export function historyRows(rules: readonly ThresholdRule[], lookback: number): number {
  return Math.max(lookback, ...rules.map((r) => (r.type === 'stuck' ? r.points - 1 : 1)));
}
