import { expect } from 'chai';
import type { PredictionRow, PredictionSet } from '../../../src/domain/Prediction.js';
import { combineSummary } from '../../../src/summary/combineSummary.js';
import { binUpperEdge, scoreBin, windowStats } from '../../../src/summary/windowStats.js';

const S = 1000;

/** A window of rows [from, to) seconds; anomalous where `flagged(i)`; scores and contributions from the row index. */
function windowSet(from: number, to: number, flagged: (i: number) => boolean, skip: (i: number) => boolean = () => false): PredictionSet {
  const rows: PredictionRow[] = [];
  for (let i = from; i < to; i++) {
    if (skip(i)) continue;
    const score = flagged(i) ? 1.1 + (i % 7) / 3 : ((i * 37) % 19) / 20;
    rows.push({
      timeMs: i * S,
      outputs: [i, i % 3 === 0 ? NaN : i],
      contributions: [i % 5, 2 * (i % 3)],
      totalAnomaly: score,
      threshold: 1,
      isAnomaly: score > 1,
    });
  }
  return { project: 'p', model: 'm', revision: 'r', window: { fromMs: from * S, toMs: to * S }, tagNames: ['a', 'b'], rows };
}

describe('combineSummary', () => {
  // Anomalies 8-12 (crossing the window boundary at 10), 25, 27-28; rows 15 and 16 missing.
  const flagged = (i: number) => (i >= 8 && i <= 12) || i === 25 || i === 27 || i === 28;
  const skip = (i: number) => i === 15 || i === 16;
  const sets = [windowSet(0, 10, flagged, skip), windowSet(10, 20, flagged, skip), windowSet(20, 30, flagged, skip)];

  it('equals a direct computation over all rows, whatever the order windows were stored in', () => {
    const summary = combineSummary(
      [sets[2]!, sets[0]!, sets[1]!].map((s) => windowStats(s, S)),
      S,
    );
    const rows = sets.flatMap((s) => s.rows);
    const a = rows.reduce((sum, r) => sum + r.contributions[0]!, 0);
    const b = rows.reduce((sum, r) => sum + r.contributions[1]!, 0);
    expect(summary).to.deep.include({ windowsStored: 3, rows: 28, anomalies: 8, episodes: 3, firstRowMs: 0, lastRowMs: 29 * S });
    expect(summary.coverage).to.equal(28 / 30);
    expect(summary.anomalyRate).to.equal(8 / 28);
    const shares = { a: a / (a + b), b: b / (a + b) };
    const ranked = Object.entries(shares).sort((x, y) => y[1] - x[1]);
    expect(summary.tags.map((t) => [t.tag, t.contributionShare])).to.deep.equal(ranked);
    const bRows = rows.filter((r) => Number.isFinite(r.outputs[1])).length;
    expect(summary.tags.find((t) => t.tag === 'b')!.coverage).to.equal(bRows / 28);
    const ratios = rows.map((r) => r.totalAnomaly).sort((x, y) => x - y);
    const edge = (v: number) => binUpperEdge(scoreBin(v));
    expect(summary.scoreQuantiles.p50).to.equal(edge(ratios[Math.ceil(0.5 * 28) - 1]!));
    expect(summary.scoreQuantiles.max).to.equal(edge(ratios[27]!));
  });

  it('bins scores 0.05 wide below 20 times the threshold and 5 % wide above', () => {
    expect(binUpperEdge(scoreBin(0.97))).to.equal(1);
    expect(binUpperEdge(scoreBin(19.99))).to.equal(20);
    const big = 210.45;
    const edge = binUpperEdge(scoreBin(big));
    expect(edge)
      .to.be.at.least(big)
      .and.below(big * 1.05);
  });

  it('counts an episode that a gap between windows interrupts as two', () => {
    const apart = [windowSet(0, 10, (i) => i === 9), windowSet(11, 20, (i) => i === 11)];
    expect(
      combineSummary(
        apart.map((s) => windowStats(s, S)),
        S,
      ).episodes,
    ).to.equal(2);
  });
});
