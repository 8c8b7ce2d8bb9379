import { expect } from 'chai';
import type { DetectionSummary } from '../../../src/demo/evaluateDetections.js';
import { formatDetectionSummary } from '../../../src/demo/formatDetectionSummary.js';

const summary: DetectionSummary = {
  project: 'demo',
  range: { fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2026, 0, 2) },
  graceMs: 300_000,
  minRun: 3,
  windows: { processed: 150, succeeded: 144, insufficientData: 4, failed: 2 },
  scoredTimestamps: 34_560,
  faultsTotal: 12,
  faultsFound: 11,
  anomalies: 400,
  anomaliesInFaults: 360,
  recall: 11 / 12,
  precision: 0.9,
  byKind: { drift: { total: 3, found: 3 }, step: { total: 3, found: 2 }, spike: { total: 3, found: 3 }, stuck: { total: 3, found: 3 } },
  meanDetectionDelayMs: 150_000,
};

describe('formatDetectionSummary', () => {
  const text = formatDetectionSummary(summary);

  it('shows the windows, the anomalies with precision and the faults with recall', () => {
    expect(text).to.contain('[2026-01-01T00:00:00.000Z, 2026-01-02T00:00:00.000Z)');
    expect(text).to.match(/windows processed\s+150 \(144 succeeded, 4 insufficient data, 2 failed\)/);
    expect(text).to.match(/anomalies\s+400, 360 inside a fault \(\+5\.0 min grace\)\s+precision 0\.90/);
    expect(text).to.match(/faults found\s+11 of 12 \(3 flags in a row\)\s+recall 0\.92\s+mean delay 2\.5 min/);
  });

  it('lists found and total faults per kind', () => {
    expect(text).to.match(/step\s+2\s+3/);
    expect(text).to.match(/drift\s+3\s+3/);
  });

  it('prints n/a when there was nothing to score', () => {
    const empty = formatDetectionSummary({
      ...summary,
      anomalies: 0,
      precision: null,
      faultsTotal: 0,
      faultsFound: 0,
      recall: null,
      meanDetectionDelayMs: null,
    });
    expect(empty).to.contain('precision n/a');
    expect(empty).to.contain('recall n/a');
    expect(empty).to.not.contain('mean delay');
  });
});
