import { expect } from 'chai';
import type { ModelDescription } from '../../../src/domain/ModelDescription.js';
import type { SensorFrame } from '../../../src/domain/SensorFrame.js';
import { emptyQualityCounts } from '../../../src/domain/SensorFrame.js';
import type { ThresholdRule } from '../../../src/domain/modelKinds/index.js';
import { thresholdRuleSchema } from '../../../src/domain/modelKinds/index.js';
import { evaluateRule } from '../../../providers/threshold/evaluateRules.js';
import { ThresholdModelExecutionProvider } from '../../../providers/threshold/ThresholdModelExecutionProvider.js';

const minute = 60_000;
const times = (n: number) => Array.from({ length: n }, (_, i) => i * minute);
const rule = (raw: unknown): ThresholdRule => thresholdRuleSchema.parse(raw);
const flags = (r: ThresholdRule, values: number[]) => [...evaluateRule(r, values, times(values.length)).active];

describe('threshold rules', () => {
  it('above: turns on past the value and off only once back by the hysteresis', () => {
    const r = rule({ type: 'above', tag: 'a', value: 10, hysteresis: 2 });
    expect(flags(r, [9, 11, 9, 8.5, 7.9, 10, 10.1])).to.deep.equal([0, 1, 1, 1, 0, 0, 1]);
  });

  it('above without hysteresis clears as soon as the value is back at the limit', () => {
    expect(flags(rule({ type: 'above', tag: 'a', value: 10 }), [11, 10, 11])).to.deep.equal([1, 0, 1]);
  });

  it('below: mirrors above', () => {
    const r = rule({ type: 'below', tag: 'a', value: 0, hysteresis: 1 });
    expect(flags(r, [1, -1, 0.5, 1, 2])).to.deep.equal([0, 1, 1, 0, 0]);
  });

  it('outside: either side of the band, back inside by the hysteresis on both sides', () => {
    const r = rule({ type: 'outside', tag: 'a', low: 0, high: 10, hysteresis: 1 });
    expect(flags(r, [5, 11, 9.5, 8, -0.5, 0.5, 1, 5])).to.deep.equal([0, 1, 1, 0, 1, 1, 0, 0]);
  });

  it('rate: change per minute, using the real spacing of the rows', () => {
    const r = rule({ type: 'rate', tag: 'a', max_per_minute: 2 });
    const values = [0, 1, 4, 5, 5];
    expect([...evaluateRule(r, values, times(5)).active]).to.deep.equal([0, 0, 1, 0, 0]);
    // The same jumps over 2-minute rows are 1.5 per minute: no alarm.
    expect([
      ...evaluateRule(
        r,
        values,
        values.map((_, i) => i * 2 * minute),
      ).active,
    ]).to.deep.equal([0, 0, 0, 0, 0]);
  });

  it('stuck: flags once N consecutive rows stay within the tolerance, and a missing row breaks the run', () => {
    const r = rule({ type: 'stuck', tag: 'a', points: 3, tolerance: 0.1 });
    expect(flags(r, [1, 2, 2, 2.05, 2, 3, 3, NaN, 3, 3])).to.deep.equal([0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
  });

  describe('at window boundaries', () => {
    const tag = { name: 'a', asset: 'p' };
    const model = (rules: unknown[]): ModelDescription => ({
      project: 'p',
      name: 'm',
      revision: 'r',
      kind: 'threshold',
      inputTags: [tag],
      targetTags: [tag],
      resolutionMs: minute,
      trainingRange: { fromMs: 0, toMs: 1 },
      parameters: { rules },
    });
    const frame = (values: number[]): SensorFrame => ({
      range: { fromMs: 0, toMs: values.length * minute },
      resolutionMs: minute,
      tags: [tag],
      timestamps: Float64Array.from(times(values.length)),
      columns: [Float64Array.from(values)],
      quality: emptyQualityCounts(),
    });
    const provider = new ThresholdModelExecutionProvider();
    const flagged = async (m: ModelDescription, values: number[], fromRow: number, toRow: number) =>
      (await provider.execute(m, frame(values), { fromMs: fromRow * minute, toMs: toRow * minute })).rows.map((r) => (r.isAnomaly ? 1 : 0));

    it('an alarm raised before the window stays on in it until the value is back past the hysteresis', async () => {
      const m = model([{ type: 'above', tag: 'a', value: 10, hysteresis: 2 }]);
      const values = [5, 5, 11, 9.5, 9, 7, 5, 5];
      // Window [3, 8): row 2 turned the alarm on; rows 3 and 4 are inside the hysteresis band.
      expect(await flagged(m, values, 3, 8)).to.deep.equal([1, 1, 0, 0, 0]);
      // Split in two windows, the verdicts are the same as in one.
      const whole = await flagged(m, values, 0, 8);
      expect([...(await flagged(m, values, 0, 4)), ...(await flagged(m, values, 4, 8))]).to.deep.equal(whole);
    });

    it('a stuck run that starts in one window is flagged from its Nth row in the next', async () => {
      const m = model([{ type: 'stuck', tag: 'a', points: 4 }]);
      const values = [1, 2, 3, 7, 7, 7, 7, 7, 8];
      expect(await flagged(m, values, 5, 9)).to.deep.equal([0, 1, 1, 0]);
      expect(await flagged(m, values, 0, 5)).to.deep.equal([0, 0, 0, 0, 0]);
    });

    it('scores each row by the number of rules on and blames the tags past their limits', async () => {
      const m = model([
        { type: 'above', tag: 'a', value: 10 },
        { type: 'outside', tag: 'a', low: 0, high: 12 },
      ]);
      const set = await provider.execute(m, frame([5, 11, 13]), { fromMs: 0, toMs: 3 * minute });
      expect(set.rows.map((r) => r.totalAnomaly)).to.deep.equal([0, 1, 2]);
      expect(set.rows[2]!.contributions[0]).to.equal(3 + 1);
    });

    it('refuses a rule on a tag the model does not read, naming it', async () => {
      const m = model([{ type: 'above', tag: 'b', value: 1 }]);
      await provider.execute(m, frame([1, 2]), { fromMs: 0, toMs: 2 * minute }).then(
        () => expect.fail('should reject'),
        (err: Error) => expect(err.message).to.contain('rule tag b'),
      );
    });
  });
});
