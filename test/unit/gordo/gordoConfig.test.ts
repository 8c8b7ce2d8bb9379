import { expect } from 'chai';
import { documentedExample } from '../../fixtures/documentedExample.js';
import { parseGordoModelInfoConfig, parseGordoPredictorConfig } from '../../../providers/gordo/config.js';
import { parseKubernetesModelInfoConfig } from '../../../providers/kubernetes/config.js';
import { ConfigError } from '../../../src/runtime/errors.js';

describe('gordo and kubernetes configuration', () => {
  it('fills the defaults', () => {
    expect(parseGordoPredictorConfig({ url: 'https://gordo.example.com' }, 'predictor')).to.deep.equal({
      url: 'https://gordo.example.com',
      timeoutMs: 30_000,
      maxConnections: 16,
      batchRows: 10_000,
      parallelism: 4,
      metadataCacheSize: 20_000,
    });
    expect(
      parseGordoModelInfoConfig({ url: 'http://localhost:5555', projects: ['a', 'a', 'b'], timeout: '5s' }, 'model_info'),
    ).to.deep.include({ projects: ['a', 'b'], timeoutMs: 5_000 });
    expect(parseKubernetesModelInfoConfig({}, 'model_info')).to.deep.equal({ namespace: 'kubeflow', timeoutMs: 30_000 });
  });

  it('parses the credential block with the shared credential parser, naming its path', () => {
    const config = parseGordoPredictorConfig({ url: 'https://g', credential: { kind: 'static', token: 't' } }, 'predictor');
    expect(config.credential).to.deep.include({ kind: 'static', path: 'predictor.credential' });
    expect(() => parseGordoPredictorConfig({ url: 'https://g', credential: { kind: 'password' } }, 'predictor')).to.throw(
      ConfigError,
      /predictor\.credential/,
    );
  });

  it('names the key path of a bad value', () => {
    expect(() => parseGordoModelInfoConfig({ url: 'https://g', projects: [] }, 'model_info')).to.throw(
      ConfigError,
      /model_info\.projects: expected at least one project/,
    );
    expect(() => parseGordoPredictorConfig({ url: 'ftp://g' }, 'predictor')).to.throw(ConfigError, /predictor\.url/);
    expect(() => parseGordoPredictorConfig({ url: 'https://g', batch_row: 5 }, 'predictor')).to.throw(
      ConfigError,
      /predictor: unknown key "batch_row"/,
    );
    expect(() => parseKubernetesModelInfoConfig({ namespace: '' }, 'model_info')).to.throw(ConfigError, /model_info\.namespace/);
  });
});

describe('the documented gordo and kubernetes examples of local_config.example.yaml', () => {
  it("parse with the providers' own parsers", () => {
    expect(parseGordoModelInfoConfig(documentedExample('model_info', 'gordo'), 'model_info')).to.deep.include({
      projects: ['plant-a', 'plant-b'],
      timeoutMs: 30_000,
    });
    expect(parseKubernetesModelInfoConfig(documentedExample('model_info', 'kubernetes'), 'model_info')).to.deep.equal({
      namespace: 'kubeflow',
      timeoutMs: 30_000,
    });
    expect(parseGordoPredictorConfig(documentedExample('predictor', 'gordo'), 'predictor')).to.deep.equal(
      parseGordoPredictorConfig({ url: 'https://gordo.example.com' }, 'predictor'),
      'the example shows the defaults',
    );
  });
});
