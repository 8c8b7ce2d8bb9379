import { expect } from 'chai';
import { decodePredictionData } from '../../../providers/gordo/decodeResponse.js';
import { parseGordoJson } from '../../../providers/gordo/json.js';
import { ProviderError } from '../../../src/runtime/errors.js';

const K1 = '2020-04-10 07:00:00+00:00';
const K2 = '2020-04-10 07:10:00+00:00';
const T1 = Date.parse('2020-04-10T07:00:00Z');
const T2 = Date.parse('2020-04-10T07:10:00Z');

/** An anomaly answer as reference 1.6 shows it, rows deliberately out of order, one cell NaN and one missing. */
const ANOMALY = `{"data": {
  "start": {"start": {"${K2}": "2020-04-10T07:10:00+00:00", "${K1}": "2020-04-10T07:00:00+00:00"}},
  "model-input": {"A": {"${K1}": 10.1, "${K2}": 10.4}, "B": {"${K1}": 3.2, "${K2}": 3.3}},
  "model-output": {"A": {"${K2}": 10.2, "${K1}": 10.0}, "B": {"${K1}": 3.25, "${K2}": 3.28}},
  "tag-anomaly-scaled": {"A": {"${K1}": 0.02, "${K2}": 0.03}, "B": {"${K1}": 0.05, "${K2}": NaN}},
  "tag-anomaly-unscaled": {"A": {"${K1}": 0.1, "${K2}": 0.2}, "B": {"${K1}": 0.05}},
  "total-anomaly-scaled": {"total-anomaly-scaled": {"${K1}": 0.0014, "${K2}": 3.0}},
  "total-anomaly-unscaled": {"total-anomaly-unscaled": {"${K1}": 0.0063, "${K2}": 0.02}},
  "anomaly-confidence": {"A": {"${K1}": 0.4, "${K2}": Infinity}, "B": {"${K1}": 1.7, "${K2}": 0.1}},
  "total-anomaly-confidence": {"total-anomaly-confidence": {"${K1}": 0.7, "${K2}": 1.5}}
}, "time-seconds": "0.0931", "revision": "1604861479899"}`;

describe('decodePredictionData', () => {
  const answer = parseGordoJson(ANOMALY) as Record<string, unknown>;

  it('decodes a column-first anomaly answer into rows in time order, targets in the order asked', () => {
    const rows = decodePredictionData(answer, { targets: ['B', 'A'], aggregateThreshold: 2 });
    expect(rows.map((r) => r.timeMs)).to.deep.equal([T1, T2]);
    expect(rows[0]).to.deep.include({
      outputs: [3.25, 10.0],
      contributions: [0.05, 0.02],
      totalAnomaly: 0.0014,
      threshold: 2,
      isAnomaly: false,
    });
    expect(rows[1]).to.deep.include({ totalAnomaly: 3.0, isAnomaly: true });
    expect(rows[1]!.contributions[0]).to.be.NaN; // a NaN cell stays NaN
    expect(rows[1]!.details!['tag-anomaly-unscaled:B']).to.be.NaN; // a missing cell is NaN, not 0
    expect(rows[1]!.details).to.deep.include({
      'total-anomaly-unscaled': 0.02,
      'total-anomaly-confidence': 1.5,
      'anomaly-confidence:A': Infinity,
    });
  });

  it('derives the threshold from the total confidence when the metadata has none', () => {
    const rows = decodePredictionData(answer, { targets: ['A', 'B'] });
    expect(rows[0]!.threshold).to.be.closeTo(0.0014 / 0.7, 1e-12);
    expect(rows[1]).to.include({ threshold: 2, isAnomaly: true });
  });

  it('takes output columns by position when the server named them 0..k-1', () => {
    const positional = parseGordoJson(`{"data": {"model-output": {"0": {"${K1}": 1}, "1": {"${K1}": 2}}}}`) as Record<string, unknown>;
    const [row] = decodePredictionData(positional, {
      targets: ['A', 'B'],
      sent: { timesMs: [T1], y: [Float64Array.of(1.5), Float64Array.of(2)] },
    });
    expect(row).to.deep.include({ outputs: [1, 2], contributions: [0.5, 0] });
    expect(row!.totalAnomaly).to.equal(0.125);
    expect(row!.threshold).to.be.NaN;
    expect(row!.isAnomaly).to.equal(false);
  });

  it('refuses answers without data or with mismatched columns, as permanent ProviderErrors', () => {
    expect(() => decodePredictionData({ revision: '1' }, { targets: ['A'] })).to.throw(ProviderError, /no "data" object/);
    expect(() => decodePredictionData(answer, { targets: ['A', 'B', 'C'] })).to.throw(ProviderError, /has 2 columns for 3 target tags/);
  });
});
