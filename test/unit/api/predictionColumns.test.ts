import { expect } from 'chai';
import {
  isoTimesJson,
  predictionColumnsJson,
  predictionColumnsOfRows,
  transposeJsonArrays,
} from '../../../src/api/routes/predictionColumns.js';
import type { PredictionRow } from '../../../src/domain/Prediction.js';

const texts = (columns: Buffer[]) => columns.map((c) => c.toString('latin1'));

describe('predictions columns form', () => {
  describe('transposeJsonArrays', () => {
    it('writes the values of stored rows position by position, with their text unchanged', () => {
      const rows = [JSON.stringify([0.1 + 0.2, -1e-7, 1.5e300]), JSON.stringify([null, 2, -0.5]), '[3,null,4]'];
      expect(texts(transposeJsonArrays(rows, 3, 10))).to.deep.equal([
        '[0.30000000000000004,null,3]',
        '[-1e-7,2,null]',
        '[1.5e+300,-0.5,4]',
      ]);
    });

    it('gives null where a row is short, drops values past the width, and stops at count', () => {
      expect(texts(transposeJsonArrays(['[1]', '[]', '[1,2,3]', '[9,9]'], 2, 3))).to.deep.equal(['[1,null,1]', '[null,null,2]']);
      expect(texts(transposeJsonArrays([], 2, 5))).to.deep.equal(['[]', '[]']);
      expect(texts(transposeJsonArrays(['[1]'], 0, 5))).to.deep.equal([]);
    });

    it('parses and writes again a row that is not a flat array of numbers and nulls, anything else as null', () => {
      const rows = ['[1, 2]', '["x",{"a":1}]', '{"a":1}', '[1e5,null]'];
      expect(texts(transposeJsonArrays(rows, 2, 10))).to.deep.equal(['[1,null,null,1e5]', '[2,null,null,null]']);
      // Text that is no JSON at all fails as JSON.parse of it did.
      // A character past ASCII is never part of a value, though '\u0131' shares its low byte with '1'.
      for (const broken of ['[nullx,1]', '[1,,2]', '[1]]', '[\u01311]'])
        expect(() => transposeJsonArrays([broken], 2, 10)).to.throw(SyntaxError);
      // Rows are scanned one after another in one buffer: a row's scan never reads into the next.
      expect(() => transposeJsonArrays(['[1,nu', 'll]', '[2]'], 2, 10)).to.throw(SyntaxError);
      expect(texts(transposeJsonArrays(['[1,2]', '["\u00e9",3]', '[4]'], 2, 10))).to.deep.equal(['[1,null,4]', '[2,3,null]']);
    });

    it('agrees with JSON.parse and JSON.stringify over many random rows', () => {
      const values = [0, -0, 1, -1, 0.1, 1 / 3, Math.PI * 1e21, 5e-324, Number.MAX_VALUE, NaN, Infinity, 123456789.125];
      const rows = Array.from({ length: 500 }, (_, i) =>
        Array.from({ length: i % 7 }, (_, t) => values[(i * 7 + t * 3) % values.length]! * (i % 3 === 0 ? Math.sin(i + t) : 1)),
      );
      const width = 5;
      const expected = Array.from({ length: width }, (_, t) => JSON.stringify(rows.map((r) => r[t] ?? null)));
      expect(
        texts(
          transposeJsonArrays(
            rows.map((r) => JSON.stringify(r)),
            width,
            rows.length,
          ),
        ),
      ).to.deep.equal(expected);
    });
  });

  describe('isoTimesJson', () => {
    it('writes what toISOString writes, over day boundaries, before 1970 and past year 9999', () => {
      const times = [
        0,
        1,
        86_399_999,
        86_400_000,
        Date.UTC(2026, 0, 1, 13, 5, 9, 7),
        Date.UTC(2026, 11, 31, 23, 59, 59, 999),
        -1,
        -86_400_001,
        Date.UTC(1900, 1, 28, 12),
        Date.UTC(12000, 0, 1, 1, 2, 3, 45),
        1234.5,
        ...Array.from({ length: 2000 }, (_, i) => Date.UTC(2026, 0, 1) + i * 37_777),
      ];
      expect(JSON.parse(isoTimesJson(times, times.length))).to.deep.equal(times.map((t) => new Date(t).toISOString()));
      expect(JSON.parse(isoTimesJson(times, 2))).to.deep.equal([new Date(0).toISOString(), new Date(1).toISOString()]);
    });

    it('throws for a time no Date holds, as toISOString does', () => {
      expect(() => isoTimesJson([NaN], 1)).to.throw(RangeError);
      expect(() => isoTimesJson([9e15], 1)).to.throw(RangeError);
    });
  });

  it('writes the page JSON.stringify of the columns gave, cut to count, with the fields asked for', () => {
    const rows: PredictionRow[] = Array.from({ length: 4 }, (_, i) => ({
      timeMs: Date.UTC(2026, 0, 1) + i * 10_000,
      outputs: [Math.sin(i), i === 1 ? NaN : i],
      contributions: [0.25, 0.75],
      totalAnomaly: i === 2 ? Infinity : i / 3,
      threshold: 1.5,
      isAnomaly: i === 3,
    }));
    const stored = { project: 'pläntä', model: 'a"b', revision: 'r1', tagNames: ['t-1', 't-2'], rows };
    const head = { project: 'pläntä', model: 'a"b', revision: null, tags: ['t-1', 't-2'] };
    const body = predictionColumnsJson(head, predictionColumnsOfRows(stored), 3, { outputs: true, contributions: false }, 'CURSOR');
    const kept = rows.slice(0, 3);
    expect(body.toString('utf8')).to.equal(
      JSON.stringify({
        ...head,
        time: kept.map((r) => new Date(r.timeMs).toISOString()),
        totalAnomaly: kept.map((r) => r.totalAnomaly),
        threshold: kept.map((r) => r.threshold),
        isAnomaly: kept.map((r) => r.isAnomaly),
        outputs: [kept.map((r) => r.outputs[0]), kept.map((r) => r.outputs[1])],
        next: 'CURSOR',
      }),
    );
    const all = predictionColumnsJson({ ...head, revision: 'r1' }, predictionColumnsOfRows(stored), 10, {
      outputs: false,
      contributions: true,
    });
    expect(JSON.parse(all.toString('utf8'))).to.deep.include({
      revision: 'r1',
      contributions: [
        [0.25, 0.25, 0.25, 0.25],
        [0.75, 0.75, 0.75, 0.75],
      ],
    });
    expect(JSON.parse(all.toString('utf8'))).not.to.have.any.keys('outputs', 'next');
  });
});
