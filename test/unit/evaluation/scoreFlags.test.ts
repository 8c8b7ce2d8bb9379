import { expect } from 'chai';
import { backtestThresholds } from '../../../src/evaluation/backtestThresholds.js';
import { labelsFromSeries } from '../../../src/evaluation/labelsFromSeries.js';
import { scoreFlags } from '../../../src/evaluation/scoreFlags.js';

const S = 1000;
/** Timestamps 0..n-1 seconds. */
const seconds = (n: number) => Array.from({ length: n }, (_, i) => i * S);
const flagsAt = (n: number, flagged: number[]) => Array.from({ length: n }, (_, i) => flagged.includes(i));

describe('scoreFlags (hand-computed examples)', () => {
  // 20 rows; labels [5, 10) and [14, 16); flags at 3, 6, 7, 8, 15, 18.
  const times = seconds(20);
  const flags = flagsAt(20, [3, 6, 7, 8, 15, 18]);
  const labels = [
    { fromMs: 5 * S, toMs: 10 * S, label: 'a' },
    { fromMs: 14 * S, toMs: 16 * S, label: 'b' },
  ];

  it('counts point-wise precision, recall and F1', () => {
    const score = scoreFlags(times, flags, labels, { resolutionMs: S });
    // positives: 5,6,7,8,9,14,15 (7); flagged: 6 rows; tp = 6,7,8,15 (4); fp = 3,18 (2); fn = 5,9,14 (3); tn = 20 - 9 = 11
    expect(score.pointwise).to.deep.equal({
      truePositives: 4,
      falsePositives: 2,
      falseNegatives: 3,
      trueNegatives: 11,
      precision: 4 / 6,
      recall: 4 / 7,
      f1: (2 * (4 / 6) * (4 / 7)) / (4 / 6 + 4 / 7),
    });
  });

  it('detects each interval by a run starting inside it, with its time to detect', () => {
    const score = scoreFlags(times, flags, labels, { resolutionMs: S });
    expect(score.events.items.map((e) => [e.label, e.detected, e.timeToDetectMs])).to.deep.equal([
      ['a', true, 1 * S],
      ['b', true, 1 * S],
    ]);
    expect(score.events.meanTimeToDetectMs).to.equal(S);
    // With three flags in a row needed, only [5, 10) (flags 6, 7, 8) is detected.
    const strict = scoreFlags(times, flags, labels, { resolutionMs: S, minRun: 3 });
    expect(strict.events.items.map((e) => e.detected)).to.deep.equal([true, false]);
    expect(strict.events.recall).to.equal(0.5);
  });

  it('counts runs of flags outside every interval as false alarms per day of scored time', () => {
    const score = scoreFlags(times, flags, labels, { resolutionMs: S });
    expect(score.falseAlarms).to.equal(2); // 3 and 18
    expect(score.falseAlarmsPerDay).to.equal((2 * 86_400_000) / (20 * S));
    // A grace of 3 s after [14, 16) covers 18: one false alarm left.
    expect(scoreFlags(times, flags, labels, { resolutionMs: S, graceMs: 3 * S }).falseAlarms).to.equal(1);
  });

  it("counts the flagged timestamps inside an interval plus grace (the demo summary's precision)", () => {
    expect(scoreFlags(times, flags, labels, { resolutionMs: S }).flaggedInIntervals).to.equal(4); // 6, 7, 8, 15
    expect(scoreFlags(times, flags, labels, { resolutionMs: S, graceMs: 3 * S }).flaggedInIntervals).to.equal(5); // and 18
  });

  it('gives null ratios when nothing is flagged or labelled', () => {
    const none = scoreFlags(times, flagsAt(20, []), [], { resolutionMs: S });
    expect(none.pointwise).to.include({ precision: null, recall: null, f1: null });
    expect(none.events.recall).to.equal(null);
  });
});

describe('backtestThresholds', () => {
  it('finds the threshold with the best F1 among the stored scores, as flagging score > threshold', () => {
    // Scores: high inside [4, 8), one normal spike at 12.
    const scores = [0.1, 0.2, 0.3, 0.2, 2.0, 3.0, 2.5, 0.9, 0.1, 0.2, 0.3, 0.1, 1.5, 0.2, 0.1, 0.3];
    const times = seconds(scores.length);
    const labels = [{ fromMs: 4 * S, toMs: 8 * S }];
    const { best, sweep } = backtestThresholds(times, scores, labels, { resolutionMs: S });
    expect(sweep.map((r) => r.threshold)).to.deep.equal([...new Set(scores)].sort((a, b) => a - b));
    // score > 0.3 flags 4,5,6,7,12: tp 4, fp 1 -> F1 8/9; > 0.9 drops 7 (fn) -> 0.75; > 1.5 flags 4,5,6 -> 6/7.
    expect(best!.threshold).to.equal(0.3);
    expect(best!.f1).to.be.closeTo(8 / 9, 1e-12);
    const direct = scoreFlags(
      times,
      scores.map((s) => s > 0.3),
      labels,
      { resolutionMs: S },
    );
    expect(best!.f1).to.equal(direct.pointwise.f1);
  });
});

describe('labelsFromSeries', () => {
  it('turns runs of a 0/1 label tag into intervals, ending a run at a gap or a zero', () => {
    const times = [0, 1, 2, 3, 4, 6, 7, 8].map((s) => s * S);
    const values = [0, 1, 1, 0, 1, 1, NaN, 1];
    expect(labelsFromSeries(times, values, S, 'anomaly')).to.deep.equal([
      { fromMs: 1 * S, toMs: 3 * S, label: 'anomaly' },
      { fromMs: 4 * S, toMs: 5 * S, label: 'anomaly' },
      { fromMs: 6 * S, toMs: 7 * S, label: 'anomaly' },
      { fromMs: 8 * S, toMs: 9 * S, label: 'anomaly' },
    ]);
  });
});
