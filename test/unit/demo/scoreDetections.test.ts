import { expect } from 'chai';
import { scoreDetections, type FaultInterval } from '../../../src/demo/scoreDetections.js';

const faults: FaultInterval[] = [
  { asset: 'A', kind: 'drift', fromMs: 100, toMs: 200 },
  { asset: 'A', kind: 'stuck', fromMs: 500, toMs: 600 },
  { asset: 'B', kind: 'step', fromMs: 100, toMs: 150 },
  { asset: 'B', kind: 'spike', fromMs: 1000, toMs: 1010 },
];

const anyFlag = { graceMs: 20, resolutionMs: 10, minRun: 1 };

describe('scoreDetections', () => {
  const score = scoreDetections(
    faults,
    [
      // 120, 150 inside the drift; 210 in its grace; 220 is where the grace ends (half-open); the rest normal.
      { asset: 'A', timesMs: [700, 50, 120, 150, 210, 220, 230] },
      // 160 in the step's grace, 1009 in the spike; 550 lies in a fault of A, not of B; 1035 after the grace.
      { asset: 'B', timesMs: [160, 550, 1009, 1035] },
      // An asset without faults: every flag is a false alarm, even at a time another asset is faulty.
      { asset: 'C', timesMs: [100] },
    ],
    anyFlag,
  );

  it('with minRun 1, counts a fault as found when its own asset flags a timestamp inside it or its grace', () => {
    expect(score.faultsFound).to.equal(3);
    expect(score.faultsTotal).to.equal(4);
    expect(score.recall).to.equal(0.75);
    expect(score.byKind).to.deep.equal({
      drift: { total: 1, found: 1 },
      step: { total: 1, found: 1 },
      spike: { total: 1, found: 1 },
      stuck: { total: 1, found: 0 },
    });
  });

  it('takes precision as the share of flagged timestamps inside a fault of the same asset', () => {
    expect(score.anomalies).to.equal(12);
    expect(score.anomaliesInFaults).to.equal(5);
    expect(score.precision).to.equal(5 / 12);
  });

  it('measures the delay from a fault start to its first flag', () => {
    expect(score.meanDetectionDelayMs).to.be.closeTo((20 + 60 + 9) / 3, 1e-9);
  });

  it('includes a flag at the fault start and excludes one just before it', () => {
    const fault: FaultInterval = { asset: 'A', kind: 'step', fromMs: 100, toMs: 200 };
    expect(scoreDetections([fault], [{ asset: 'A', timesMs: [100] }], { ...anyFlag, graceMs: 0 })).to.include({
      faultsFound: 1,
      anomaliesInFaults: 1,
      meanDetectionDelayMs: 0,
    });
    expect(scoreDetections([fault], [{ asset: 'A', timesMs: [99, 200] }], { ...anyFlag, graceMs: 0 })).to.include({
      faultsFound: 0,
      anomaliesInFaults: 0,
      precision: 0,
    });
  });

  it('merges several lists of one asset', () => {
    const merged = scoreDetections(
      faults.slice(0, 1),
      [
        { asset: 'A', timesMs: [300] },
        { asset: 'A', timesMs: [150] },
      ],
      { ...anyFlag, graceMs: 0 },
    );
    expect(merged).to.include({ faultsFound: 1, anomalies: 2, anomaliesInFaults: 1, meanDetectionDelayMs: 50 });
  });

  it('reports recall and precision as null when there is nothing to divide by', () => {
    const empty = scoreDetections([], [], anyFlag);
    expect(empty).to.include({ recall: null, precision: null, meanDetectionDelayMs: null, faultsTotal: 0, anomalies: 0 });
  });

  describe('with minRun 3', () => {
    const runs = scoreDetections(
      faults,
      [
        // A run at the drift's start; around the stuck sensor only runs of one and two.
        { asset: 'A', timesMs: [100, 110, 120, 510, 530, 540, 590, 600] },
        // A run that began before the step has only two flags inside it; a run starting in the spike's grace counts.
        { asset: 'B', timesMs: [95, 105, 115, 1020, 1030, 1040] },
      ],
      { graceMs: 20, resolutionMs: 10, minRun: 3 },
    );

    it('counts a fault as found only when a run of consecutive flags starts inside it or its grace', () => {
      expect(runs.byKind).to.deep.equal({
        drift: { total: 1, found: 1 },
        step: { total: 1, found: 0 },
        spike: { total: 1, found: 1 },
        stuck: { total: 1, found: 0 },
      });
      expect(runs.recall).to.equal(0.5);
      expect(runs.meanDetectionDelayMs).to.equal((0 + 20) / 2);
    });

    it('still takes precision over single flags', () => {
      expect(runs).to.include({ anomalies: 14, anomaliesInFaults: 11, precision: 11 / 14 });
    });

    it('does not count a timestamp flagged twice as a run', () => {
      const repeated = scoreDetections(
        faults.slice(0, 1),
        [
          { asset: 'A', timesMs: [100, 100] },
          { asset: 'A', timesMs: [100] },
        ],
        { graceMs: 0, resolutionMs: 10, minRun: 3 },
      );
      expect(repeated).to.include({ faultsFound: 0, anomalies: 1 });
    });
  });
});
