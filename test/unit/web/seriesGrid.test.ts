import { expect } from 'chai';
import { chunksOf, emptySeries, endOf, shiftedSeries, stretches } from '../../../web/src/seriesGrid.js';

const MIN = 60_000;

describe("web page's series grid (model page)", () => {
  it('reads a range newest first: a small first chunk, then a day each, covering it without overlap', () => {
    const to = 10 * 86_400_000;
    const chunks = chunksOf(to - 2.5 * 86_400_000, to);
    expect(chunks[0]).to.deep.equal([to - 3 * 3_600_000, to]);
    expect(chunks.at(-1)![0]).to.equal(to - 2.5 * 86_400_000);
    for (let k = 1; k < chunks.length; k++) expect(chunks[k]![1], `chunk ${k} ends where the newer one starts`).to.equal(chunks[k - 1]![0]);
  });

  it('moves the span on to a newer end: the overlap keeps its values at the same times, the new rows are empty', () => {
    const old = emptySeries(['a', 'b'], 0, 10 * MIN, MIN);
    for (let i = 0; i < 10; i++) {
      old.sensor[0]![i] = i;
      old.output[1]![i] = 100 + i;
      old.score[i] = i / 10;
    }
    old.flags[8] = 1;
    old.flags[9] = 1;
    old.anomalous = stretches(old);
    const next = shiftedSeries(old, 13 * MIN);
    expect(next.fromMs).to.equal(3 * MIN);
    expect(endOf(next)).to.equal(13 * MIN);
    expect(next.x.length).to.equal(10);
    expect(Array.from(next.x)).to.deep.equal(Array.from({ length: 10 }, (_, i) => (3 + i) * 60));
    expect(next.sensor[0]).to.deep.equal([3, 4, 5, 6, 7, 8, 9, null, null, null]);
    expect(next.output[1]!.slice(0, 7)).to.deep.equal([103, 104, 105, 106, 107, 108, 109]);
    expect(next.score[6]).to.equal(0.9);
    expect(next.anomalous).to.deep.equal([[8 * 60, 10 * 60]]);
    expect(shiftedSeries(old, 10 * MIN), 'not newer: the same series').to.equal(old);
  });

  it('bridges gaps of up to two rows between anomalous rows into one stretch', () => {
    const s = emptySeries(['a'], 0, 20 * MIN, MIN);
    for (const i of [2, 3, 5, 11]) s.flags[i] = 1;
    expect(stretches(s)).to.deep.equal([
      [120, 360],
      [660, 720],
    ]);
  });
});
