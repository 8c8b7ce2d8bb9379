import { expect } from 'chai';
import { resample, type RawPoints } from '../../../src/domain/resample.js';
import type { SensorTag } from '../../../src/domain/SensorTag.js';

const tagA: SensorTag = { name: 'a', asset: 'plant' };
const tagB: SensorTag = { name: 'b', asset: 'plant' };
const range = { fromMs: 1_000, toMs: 1_040 }; // four 10 ms buckets: 1000, 1010, 1020, 1030

/** [column, timeMs, value] triples as RawPoints. */
function points(triples: readonly (readonly [number, number, number])[]): RawPoints {
  return {
    length: triples.length,
    column: triples.map((p) => p[0]),
    timeMs: triples.map((p) => p[1]),
    value: triples.map((p) => p[2]),
  };
}

describe('resample', () => {
  it('averages each tag per left-labelled bucket [t, t + resolution)', () => {
    const frame = resample(
      [tagA, tagB],
      range,
      10,
      points([
        [0, 1_000, 1],
        [0, 1_009, 3],
        [0, 1_010, 10],
        [0, 1_020, 5],
        [0, 1_039, 7],
        [1, 1_005, 100],
        [1, 1_015, 200],
        [1, 1_025, 300],
        [1, 1_035, 400],
      ]),
    );
    expect([...frame.timestamps]).to.deep.equal([1_000, 1_010, 1_020, 1_030]);
    expect([...frame.columns[0]!]).to.deep.equal([2, 10, 5, 7]);
    expect([...frame.columns[1]!]).to.deep.equal([100, 200, 300, 400]);
    expect(frame.quality).to.deep.equal({ rawPoints: 9, nonFinite: 0, duplicates: 0, outOfOrder: 0, emptyBuckets: 0 });
  });

  it('keeps the columns in the order of the requested tags even when points interleave', () => {
    const frame = resample(
      [tagA, tagB],
      range,
      10,
      points([
        [1, 1_000, 9],
        [0, 1_000, 1],
        [1, 1_010, 8],
        [0, 1_010, 2],
      ]),
    );
    expect(frame.tags).to.deep.equal([tagA, tagB]);
    expect([...frame.columns[0]!].slice(0, 2)).to.deep.equal([1, 2]);
    expect([...frame.columns[1]!].slice(0, 2)).to.deep.equal([9, 8]);
    expect(frame.quality.outOfOrder).to.equal(0);
  });

  it('ignores points before the first bucket and at or after the end of the range', () => {
    const frame = resample(
      [tagA],
      { fromMs: 1_005, toMs: 1_030 },
      10,
      points([
        [0, 1_004, 99],
        [0, 1_006, 98],
        [0, 1_010, 1],
        [0, 1_029, 3],
        [0, 1_030, 97],
      ]),
    );
    // The first bucket aligned to the resolution at or after 1005 is 1010.
    expect([...frame.timestamps]).to.deep.equal([1_010, 1_020]);
    expect([...frame.columns[0]!]).to.deep.equal([1, 3]);
    expect(frame.quality.rawPoints).to.equal(5);
  });

  it('leaves empty buckets NaN and counts them per tag', () => {
    const frame = resample(
      [tagA, tagB],
      range,
      10,
      points([
        [0, 1_000, 1],
        [0, 1_030, 4],
      ]),
    );
    expect(frame.columns[0]![1]).to.be.NaN;
    expect(frame.columns[0]![2]).to.be.NaN;
    expect([...frame.columns[1]!].every(Number.isNaN)).to.equal(true);
    expect(frame.quality.emptyBuckets).to.equal(2 + 4);
  });

  it('drops NaN and infinite values before averaging and counts them', () => {
    const frame = resample(
      [tagA],
      range,
      10,
      points([
        [0, 1_000, 2],
        [0, 1_001, NaN],
        [0, 1_002, Infinity],
        [0, 1_003, -Infinity],
        [0, 1_004, 4],
      ]),
    );
    expect(frame.columns[0]![0]).to.equal(3);
    expect(frame.quality.nonFinite).to.equal(3);
  });

  it('keeps the last value read for a repeated timestamp and counts the duplicates', () => {
    const frame = resample(
      [tagA],
      range,
      10,
      points([
        [0, 1_000, 1],
        [0, 1_000, 2],
        [0, 1_000, 6],
        [0, 1_005, 10],
      ]),
    );
    expect(frame.columns[0]![0]).to.equal(8); // mean of 6 (last for 1000) and 10
    expect(frame.quality.duplicates).to.equal(2);
  });

  it('does not let a non-finite repeat erase the finite value it repeats', () => {
    const frame = resample(
      [tagA],
      range,
      10,
      points([
        [0, 1_000, 5],
        [0, 1_000, NaN],
      ]),
    );
    expect(frame.columns[0]![0]).to.equal(5);
    expect(frame.quality).to.include({ nonFinite: 1, duplicates: 0 });
  });

  it('sorts out-of-order points, counts them, and still lets the last read duplicate win', () => {
    const frame = resample(
      [tagA, tagB],
      range,
      10,
      points([
        [0, 1_030, 7],
        [0, 1_000, 1],
        [1, 1_000, 50],
        [0, 1_020, 5],
        [0, 1_000, 3],
        [0, 1_010, 2],
      ]),
    );
    expect([...frame.columns[0]!]).to.deep.equal([3, 2, 5, 7]);
    expect(frame.columns[1]![0]).to.equal(50);
    // 1000 after 1030, 1000 after 1020 (1020 after 1000 and 1010 after 1000 are in order).
    expect(frame.quality).to.include({ outOfOrder: 2, duplicates: 1, rawPoints: 6 });
  });

  it('does not count points outside the range as out of order', () => {
    const frame = resample(
      [tagA],
      range,
      10,
      points([
        [0, 1_020, 1],
        [0, 900, 2],
        [0, 1_030, 3],
      ]),
    );
    expect(frame.quality.outOfOrder).to.equal(0);
    expect([...frame.columns[0]!].slice(2)).to.deep.equal([1, 3]);
  });

  it('accepts typed arrays as input', () => {
    const frame = resample([tagA], range, 10, {
      length: 2,
      column: new Int32Array([0, 0]),
      timeMs: new Float64Array([1_000, 1_011]),
      value: new Float64Array([1.5, 2.5]),
    });
    expect([...frame.columns[0]!].slice(0, 2)).to.deep.equal([1.5, 2.5]);
  });

  it('uses only the first `length` entries of the arrays', () => {
    const frame = resample([tagA], range, 10, { length: 1, column: [0, 0], timeMs: [1_000, 1_001], value: [1, 100] });
    expect(frame.columns[0]![0]).to.equal(1);
    expect(frame.quality.rawPoints).to.equal(1);
  });

  it('rejects a point whose column is not one of the requested tags', () => {
    expect(() => resample([tagA], range, 10, points([[1, 1_000, 1]]))).to.throw(RangeError, /column 1/);
  });

  it('returns an empty frame for no tags', () => {
    const frame = resample([], range, 10, points([]));
    expect(frame.columns).to.have.length(0);
    expect(frame.timestamps).to.have.length(4);
  });
});

describe("resample with rows: 'present'", () => {
  const MINUTE = 60_000;
  // 1970-2100 at one minute: 68 million buckets, of which three hold data.
  const wide = { fromMs: Date.UTC(1970, 0, 1), toMs: Date.UTC(2100, 0, 1) };
  const grid = (wide.toMs - wide.fromMs) / MINUTE;
  const t1 = Date.UTC(2026, 0, 1, 12, 0);
  const sparse = points([
    [1, t1 + 5 * MINUTE + 1, 7],
    [0, t1, 1],
    [0, t1 + 30_000, 3],
    [1, t1, 10],
    [0, Date.UTC(1999, 11, 31, 23, 59), Number.NaN],
    [0, Date.UTC(2099, 11, 31, 23, 59), 4],
  ]);

  it('holds only the buckets with data, however long the range: its size is bounded by the points, not the grid', () => {
    const frame = resample([tagA, tagB], wide, MINUTE, sparse, { rows: 'present' });
    expect([...frame.timestamps]).to.deep.equal([t1, t1 + 5 * MINUTE, Date.UTC(2099, 11, 31, 23, 59)]);
    expect(frame.columns.map((c) => c.length)).to.deep.equal([3, 3]);
    expect(frame.columns[0]!.buffer.byteLength, 'one buffer of rows x tags').to.equal(3 * 2 * 8);
    expect([...frame.columns[0]!]).to.deep.equal([2, Number.NaN, 4]);
    expect([...frame.columns[1]!]).to.deep.equal([10, 7, Number.NaN]);
    // The quality counts are those of the whole grid, as a dense frame would report them.
    expect(frame.quality).to.deep.equal({ rawPoints: 6, nonFinite: 1, duplicates: 0, outOfOrder: 1, emptyBuckets: 2 * grid - 4 });
  });

  it('gives the rows of the dense frame that hold data, with the same values and counts', () => {
    const triples: [number, number, number][] = [];
    for (let i = 0; i < 200; i++)
      if (i % 7 !== 3 && i % 11 !== 5) triples.push([i % 2, 1_000 + ((i * 37) % 400), i % 13 === 0 ? Number.NaN : i]);
    triples.push([1, 1_000 + 37, 5], [1, 1_000 + 37, 6]); // a duplicate
    const wider = { fromMs: 1_000, toMs: 2_000 }; // 100 buckets, the last 60 empty
    const dense = resample([tagA, tagB], wider, 10, points(triples));
    const present = resample([tagA, tagB], wider, 10, points(triples), { rows: 'present' });
    const kept = [...dense.timestamps.keys()].filter((i) => dense.columns.some((c) => !Number.isNaN(c[i]!)));
    expect(kept.length).to.be.within(30, 40);
    expect([...present.timestamps]).to.deep.equal(kept.map((i) => dense.timestamps[i]!));
    for (let c = 0; c < 2; c++) expect([...present.columns[c]!]).to.deep.equal(kept.map((i) => dense.columns[c]![i]!));
    expect(present.quality).to.deep.equal(dense.quality);
  });
});
