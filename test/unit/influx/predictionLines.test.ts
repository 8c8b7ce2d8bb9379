import { expect } from 'chai';
import { parseInfluxPredictionConfig } from '../../../providers/influx/config.js';
import { predictionLines } from '../../../providers/influx/predictionLines.js';

const layout = parseInfluxPredictionConfig({}, 'prediction_storage').predictions;
const set = {
  project: 'plant a', model: 'pump,1', revision: 'r=1', window: { fromMs: 0, toMs: 20_000 }, tagNames: ['flow', 'line\nbreak'],
  rows: [{ timeMs: 10_000, outputs: [1.5, NaN], contributions: [0.25, Infinity], totalAnomaly: 2, threshold: 1, isAnomaly: true, details: { t2: 3 } }],
};

describe('prediction lines', () => {
  it('writes one point per value, tagged with project, model, revision, output kind and sensor, tags sorted by key', () => {
    const { lines, droppedNonFinite } = predictionLines(set, layout);
    expect(droppedNonFinite).to.equal(2);
    expect(lines).to.deep.equal([
      'prediction,model=pump\\,1,output=model-output,project=plant\\ a,revision=r\\=1,tag=flow value=1.5 10000',
      'prediction,model=pump\\,1,output=anomaly-contribution,project=plant\\ a,revision=r\\=1,tag=flow value=0.25 10000',
      'prediction,model=pump\\,1,output=total-anomaly,project=plant\\ a,revision=r\\=1 value=2 10000',
      'prediction,model=pump\\,1,output=anomaly-threshold,project=plant\\ a,revision=r\\=1 value=1 10000',
      'prediction,model=pump\\,1,output=is-anomaly,project=plant\\ a,revision=r\\=1 value=1 10000',
      'prediction,model=pump\\,1,output=t2,project=plant\\ a,revision=r\\=1 value=3 10000',
    ]);
  });

  it('uses the configured measurement, field and tag keys', () => {
    const custom = parseInfluxPredictionConfig({ measurement: 'scores', field: 'v', tags: { project: 'site', sensor: 'sensor' } }, 'prediction_storage').predictions;
    const { lines } = predictionLines({ ...set, rows: [{ ...set.rows[0]!, outputs: [1, 2], contributions: [3, 4] }] }, custom);
    expect(lines[1]).to.equal('scores,model=pump\\,1,output=anomaly-contribution,revision=r\\=1,sensor=flow,site=plant\\ a v=3 10000');
    expect(lines[2]).to.equal('scores,model=pump\\,1,output=model-output,revision=r\\=1,sensor=%enc:line%0Abreak,site=plant\\ a v=2 10000');
  });
});
