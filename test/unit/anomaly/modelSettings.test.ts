import { expect } from 'chai';
import { parseEmbeddedPredictorConfig } from '../../../providers/embedded/config.js';
import { modelSettings } from '../../../providers/embedded/anomaly/modelSettings.js';
import { parsePcaParameters } from '../../../providers/embedded/anomaly/PcaParameters.js';
import { fitPca } from '../../../providers/embedded/anomaly/fitPca.js';
import type { ModelDescription } from '../../../src/domain/ModelDescription.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';
import { columnsOf, handRows } from './handMatrix.js';

describe('modelSettings', () => {
  const config = parseEmbeddedPredictorConfig({ explained_variance: 0.9, confidence: 0.99, smoothing_window: 1 }, 'predictor');
  const model = (parameters?: Record<string, unknown>): ModelDescription => ({
    project: 'p', name: 'm', revision: 'r1', inputTags: [], targetTags: [], resolutionMs: 10_000,
    trainingRange: { fromMs: 0, toMs: 1 }, ...(parameters ? { parameters } : {}),
  });

  it('uses the predictor configuration when the model has no overrides', () => {
    expect(modelSettings(model(), config)).to.deep.equal({ explainedVariance: 0.9, confidence: 0.99, smoothingWindow: 1 });
  });

  it('lets a model override each setting by its configuration key', () => {
    expect(modelSettings(model({ explained_variance: 0.8, confidence: 0.95, smoothing_window: 6 }), config))
      .to.deep.equal({ explainedVariance: 0.8, confidence: 0.95, smoothingWindow: 6 });
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
