import { expect } from 'chai';
import { parseEmbeddedPredictorConfig } from '../../../providers/pca/config.js';
import { detectorSettings } from '../../../providers/pca/detectorSettings.js';
import { modelSettings } from '../../../providers/pca/modelSettings.js';
import { parsePcaParameters } from '../../../providers/pca/PcaParameters.js';
import { fitPca } from '../../../providers/pca/fitPca.js';
import type { ModelDescription } from '../../../src/domain/ModelDescription.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';
import { columnsOf, handRows } from './handMatrix.js';

describe('modelSettings', () => {
  const config = parseEmbeddedPredictorConfig({ explained_variance: 0.9, confidence: 0.99, smoothing_window: 1 }, 'predictor');
  const model = (parameters?: Record<string, unknown>): ModelDescription => ({
    project: 'p',
    name: 'm',
    revision: 'r1',
    inputTags: [],
    targetTags: [],
    resolutionMs: 10_000,
    trainingRange: { fromMs: 0, toMs: 1 },
    ...(parameters ? { parameters } : {}),
  });

  it('uses the predictor configuration when the model has no overrides', () => {
    expect(modelSettings(model(), config)).to.deep.equal({ explainedVariance: 0.9, confidence: 0.99, smoothingWindow: 1 });
  });

  it('lets a model override each setting by its configuration key', () => {
    expect(modelSettings(model({ explained_variance: 0.8, confidence: 0.95, smoothing_window: 6 }), config)).to.deep.equal({
      explainedVariance: 0.8,
      confidence: 0.95,
      smoothingWindow: 6,
    });
  });

  it('refuses an override out of range, naming it', () => {
    expect(() => modelSettings(model({ confidence: 1.5 }), config)).to.throw(InvalidDataError, /parameters\.confidence/);
    expect(() => modelSettings(model({ smoothing_window: 2.5 }), config)).to.throw(InvalidDataError, /smoothing_window/);
  });
});

describe('parsePcaParameters', () => {
  const params = fitPca(columnsOf(handRows), { explainedVariance: 0.9, confidence: 0.95 });

  it('accepts what fitPca produced after a JSON round trip', () => {
    expect(parsePcaParameters(JSON.parse(JSON.stringify(params)))).to.deep.equal(params);
  });

  it('refuses loadings whose shape does not match the tags', () => {
    expect(() => parsePcaParameters({ ...params, loadings: [[1, 0]] })).to.throw(/shapes/);
  });
});

describe('detectorSettings', () => {
  const config = parseEmbeddedPredictorConfig({}, 'predictor');
  const model = (parameters?: Record<string, unknown>): ModelDescription => ({
    project: 'p',
    name: 'm',
    revision: 'r1',
    inputTags: [],
    targetTags: [],
    resolutionMs: 10_000,
    trainingRange: { fromMs: 0, toMs: 1 },
    ...(parameters ? { parameters } : {}),
  });

  it('takes the documented defaults: lags 2, both statistics, empirical limits, no smoothing', () => {
    expect(detectorSettings(model(), config)).to.deep.include({
      lags: 2,
      statistic: 'both',
      limitMethod: 'empirical',
      smoothing: { method: 'mean', rows: 1 },
    });
  });

  it('lets a model override lags, statistic, limits and smoothing', () => {
    expect(
      detectorSettings(model({ lags: 'auto', statistic: 'q', limits: 'parametric', smoothing: { method: 'ewma', rows: 6 } }), config),
    ).to.deep.include({ lags: 'auto', statistic: 'q', limitMethod: 'parametric', smoothing: { method: 'ewma', rows: 6 } });
    expect(detectorSettings(model({ smoothing_window: 4 }), config).smoothing).to.deep.equal({ method: 'mean', rows: 4 });
  });

  it('refuses a bad override, naming its key', () => {
    expect(() => detectorSettings(model({ lags: -1 }), config)).to.throw(InvalidDataError, /parameters\.lags/);
    expect(() => detectorSettings(model({ statistic: 'spe' }), config)).to.throw(InvalidDataError, /parameters\.statistic/);
    expect(() => detectorSettings(model({ limits: 'magic' }), config)).to.throw(InvalidDataError, /parameters\.limits/);
    expect(() => detectorSettings(model({ smoothing: { method: 'mode', rows: 3 } }), config)).to.throw(
      InvalidDataError,
      /parameters\.smoothing/,
    );
    expect(() => detectorSettings(model({ smoothing: { rows: 0 } }), config)).to.throw(InvalidDataError, /parameters\.smoothing/);
  });

  it('reads smoothing_window as a mean, and refuses it together with smoothing', () => {
    expect(parseEmbeddedPredictorConfig({ smoothing_window: 3 }, 'predictor')).to.include({ smoothingMethod: 'mean', smoothingWindow: 3 });
    expect(() => parseEmbeddedPredictorConfig({ smoothing_window: 3, smoothing: { rows: 2 } }, 'predictor')).to.throw(
      /predictor\.smoothing_window/,
    );
    expect(() => parseEmbeddedPredictorConfig({ lags: 'many' }, 'predictor')).to.throw(/predictor\.lags/);
  });
});
