import { expect } from 'chai';
import { parseInfluxPredictionConfig } from '../../../providers/influx/config.js';
import { forecastLines, predictionLines, tagOrderLines } from '../../../providers/influx/predictionLines.js';

const layout = parseInfluxPredictionConfig({}, 'prediction_storage').predictions;
const set = {
  project: 'plant a',
  model: 'pump,1',
  revision: 'r=1',
  window: { fromMs: 0, toMs: 20_000 },
  tagNames: ['flow', 'line\nbreak'],
  rows: [
    {
      timeMs: 10_000,
      outputs: [1.5, NaN],
      contributions: [0.25, Infinity],
      totalAnomaly: 2,
      threshold: 1,
      isAnomaly: true,
      details: { t2: 3 },
    },
  ],
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
    const custom = parseInfluxPredictionConfig(
      { measurement: 'scores', field: 'v', tags: { project: 'site', sensor: 'sensor' } },
      'prediction_storage',
    ).predictions;
    const { lines } = predictionLines({ ...set, rows: [{ ...set.rows[0]!, outputs: [1, 2], contributions: [3, 4] }] }, custom);
    expect(lines[1]).to.equal('scores,model=pump\\,1,output=anomaly-contribution,revision=r\\=1,sensor=flow,site=plant\\ a v=3 10000');
    expect(lines[2]).to.equal('scores,model=pump\\,1,output=model-output,revision=r\\=1,sensor=%enc:line%0Abreak,site=plant\\ a v=2 10000');
  });

  it('writes the order of the tag names as tag-index points', () => {
    expect(tagOrderLines(set, layout, 10_000)).to.deep.equal([
      'prediction,model=pump\\,1,output=tag-index,project=plant\\ a,revision=r\\=1,tag=flow value=0 10000',
      'prediction,model=pump\\,1,output=tag-index,project=plant\\ a,revision=r\\=1,tag=%enc:line%0Abreak value=1 10000',
    ]);
  });

  it('writes a forecast as named series tagged with its issue time, the coverage at the issue time', () => {
    const point = { timeMs: 30_000, yhat: [1, NaN], lower: [0.5, 1], upper: [1.5, 2] };
    const { lines, droppedNonFinite } = forecastLines({ ...set, forecast: { issuedAtMs: 20_000, coverage: 0.9, points: [point] } }, layout);
    expect(droppedNonFinite).to.equal(1);
    const tags = (output: string, tag?: string) =>
      `prediction,issued_at=1970-01-01T00:00:20.000Z,model=pump\\,1,output=${output},project=plant\\ a,revision=r\\=1${tag ? `,tag=${tag}` : ''}`;
    expect(lines).to.deep.equal([
      `${tags('forecast-coverage')} value=0.9 20000`,
      `${tags('forecast-yhat', 'flow')} value=1 30000`,
      `${tags('forecast-lower', 'flow')} value=0.5 30000`,
      `${tags('forecast-lower', '%enc:line%0Abreak')} value=1 30000`,
      `${tags('forecast-upper', 'flow')} value=1.5 30000`,
      `${tags('forecast-upper', '%enc:line%0Abreak')} value=2 30000`,
    ]);
    expect(forecastLines(set, layout)).to.deep.equal({ lines: [], droppedNonFinite: 0 });
  });
});
