import { expect } from 'chai';
import { DefinitionError, parseModelDefinition } from '../../../src/models/parseModelDefinition.js';
import { resolveDefinition } from '../../../src/models/resolveDefinition.js';
import type { DataWatermarks, TagWatermark } from '../../../src/contracts/DataWatermarks.js';

const base = { project: 'plant', name: 'pump', tags: ['flow', 'head'], training: { first_rows: 400 } };

function refusal(raw: unknown): DefinitionError {
  try {
    parseModelDefinition(raw, 'body');
  } catch (err) {
    if (err instanceof DefinitionError) return err;
    throw err;
  }
  throw new Error('expected the definition to be refused');
}

/** Watermarks of a fixed map: the part of a sensor store resolveDefinition reads. */
function watermarks(marks: Record<string, Omit<TagWatermark, 'tag'>>): DataWatermarks {
  return {
    watermarks: (tags) => Promise.resolve(new Map(tags.filter((t) => marks[t]).map((t) => [t, { tag: t, ...marks[t]! }]))),
    windowMarks: () => Promise.resolve(new Map()),
  };
}

describe('parseModelDefinition', () => {
  it('reads a data trigger with its defaults, the PCA kind and a relative training range', () => {
    const parsed = parseModelDefinition(
      { ...base, resolution: '1s', trigger: { type: 'data', min_new_points: 50 }, interval: '1m' },
      'body',
    );
    expect(parsed).to.deep.include({ inputTags: ['flow', 'head'], resolutionMs: 1000, training: { firstRows: 400 } });
    expect(parsed.trigger).to.deep.equal({
      type: 'data',
      intervalMs: 60_000,
      watermark: true,
      minNewPoints: 50,
      rerunLate: true,
      lateHorizonMs: 86_400_000,
    });
  });

  it('keeps a schedule without an interval of its own on the scheduler section clock', () => {
    expect(parseModelDefinition({ ...base, trigger: 'schedule' }, 'body').trigger).to.equal(undefined);
    expect(parseModelDefinition({ ...base, interval: '5m', delay: '30s' }, 'body').trigger).to.deep.equal({
      type: 'schedule',
      intervalMs: 300_000,
      delayMs: 30_000,
    });
  });

  const refused: [string, unknown, string, RegExp][] = [
    ['a resolution under 1 s', { ...base, resolution: '500ms' }, 'body.resolution', /at least 1s/],
    ['a data trigger without interval', { ...base, trigger: 'data' }, 'body.interval', /length of its windows/],
    ['no training range', { ...base, training: undefined }, 'body.training', /first_rows/],
    ['an unknown key', { ...base, tag: ['x'] }, 'body', /unknown key "tag"/],
    ['a PCA parameter out of range', { ...base, parameters: { confidence: 1.5 } }, 'body.parameters.confidence', /./],
    ['a misspelt PCA parameter', { ...base, parameters: { explained_varience: 0.9 } }, 'body.parameters.explained_varience', /./],
    ['an unknown kind', { ...base, kind: 'lstm' }, 'body.kind', /unknown kind "lstm"/],
    ['an interval that is not whole rows', { ...base, resolution: '7s', interval: '1m', trigger: 'data' }, 'body.interval', /resolution/],
  ];
  for (const [what, raw, field, message] of refused) {
    it(`refuses ${what}, naming ${field}`, () => {
      const err = refusal(raw);
      expect(err.field).to.equal(field);
      expect(err.reason).to.match(message);
    });
  }

  it("validates another kind's parameters with that kind's schema (src/domain/modelKinds)", () => {
    const rules = [{ type: 'above', tag: 'flow', value: 3 }];
    expect(parseModelDefinition({ ...base, kind: 'threshold', parameters: { rules } }, 'body').kind).to.equal('threshold');
    expect(refusal({ ...base, kind: 'threshold', parameters: { rules: [{ ...rules[0], value: 'high' }] } }).field).to.equal(
      'body.parameters.rules.0.value',
    );
  });
});

describe('resolveDefinition', () => {
  it('turns "the first N rows" into the range from the bucket of the earliest point of any tag', async () => {
    const input = parseModelDefinition({ ...base, resolution: '10s' }, 'body');
    const marks = watermarks({
      flow: { firstMs: 1_000_123, latestMs: 9e6, points: 10 },
      head: { firstMs: 1_000_500, latestMs: 9e6, points: 10 },
    });
    const resolved = await resolveDefinition(input, marks, 'body');
    expect(resolved.trainingRange).to.deep.equal({ fromMs: 1_000_000, toMs: 1_000_000 + 400 * 10_000 });
    expect(resolved.trainingSpec).to.deep.equal({ firstRows: 400 });
  });

  it('names the tags without data, and refuses a relative range without watermarks', async () => {
    const input = parseModelDefinition(base, 'body');
    const missing = await resolveDefinition(input, watermarks({ flow: { firstMs: 0, latestMs: 1, points: 2 } }), 'body').catch(
      (e: unknown) => e,
    );
    expect(missing).to.be.instanceOf(DefinitionError).with.property('field', 'body.tags');
    expect((missing as Error).message).to.contain('"head"');
    const none = await resolveDefinition(input, undefined, 'body').catch((e: unknown) => e);
    expect(none).to.be.instanceOf(DefinitionError).with.property('field', 'body.training');
  });
});
