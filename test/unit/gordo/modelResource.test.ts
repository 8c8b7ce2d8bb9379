import { expect } from 'chai';
import { describeModelResource, modelEntry } from '../../../providers/kubernetes/modelResource.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';

const labels = {
  'applications.gordo.equinor.com/project-name': 'p',
  'applications.gordo.equinor.com/project-revision': '1685012943886',
  'applications.gordo.equinor.com/model-name': 'model1',
};

describe('Model resources (kubernetes provider)', () => {
  it('reads name, revision and phase, accepting lower-camel phases', () => {
    const entry = modelEntry({ metadata: { name: 'p-model1', labels }, status: { phase: 'inProgress' } });
    expect(entry).to.include({ name: 'model1', revision: '1685012943886', phase: 'InProgress' });
    expect(
      modelEntry({ metadata: { name: 'x', labels }, status: { phase: 'Failed', revision: '1685012943886', message: 'boom' } }),
    ).to.include({ phase: 'Failed', reason: 'boom' });
    expect(modelEntry({ metadata: { name: 'x', labels }, status: {} })!.phase).to.equal('Unknown');
    expect(modelEntry({ metadata: { name: 'x' } })).to.equal(undefined);
  });

  it('describes a model from spec.config, YAML strings included; sequence models get their lookback offset', () => {
    const dataset =
      'tag_list: ["TAG 1", {name: "TAG 2", asset: "asgb"}]\nresolution: 10T\ntrain_start_date: 2020-01-01T00:00:00+00:00\ntrain_end_date: "2020-02-01 00:00:00+00:00"\n';
    const model = { 'gordo.machine.model.models.KerasLSTMAutoEncoder': { lookback_window: 144 } };
    const entry = modelEntry({
      metadata: { name: 'p-model1', labels },
      spec: { config: { dataset, model } },
      status: { phase: 'Succeeded' },
    })!;
    const description = describeModelResource('p', entry);
    expect(description).to.deep.include({
      project: 'p',
      name: 'model1',
      revision: '1685012943886',
      resolutionMs: 600_000,
      offsetRows: 143,
    });
    expect(description.inputTags).to.deep.equal([
      { name: 'TAG 1', asset: '' },
      { name: 'TAG 2', asset: 'asgb' },
    ]);
    expect(description.targetTags).to.deep.equal(description.inputTags);
    expect(description.trainingRange).to.deep.equal({
      fromMs: Date.parse('2020-01-01T00:00:00Z'),
      toMs: Date.parse('2020-02-01T00:00:00Z'),
    });
    const forecast = modelEntry({
      metadata: { labels },
      spec: { config: { dataset, model: { 'gordo.machine.model.models.KerasLSTMForecast': { lookback_window: 5 } } } },
    })!;
    expect(describeModelResource('p', forecast).offsetRows).to.equal(5);
  });

  it('refuses a definition without tags or with a calendar resolution', () => {
    const bad = (dataset: Record<string, unknown>) =>
      describeModelResource('p', modelEntry({ metadata: { labels }, spec: { config: { dataset } } })!);
    expect(() => bad({ tag_list: [], train_start_date: '2020-01-01T00:00:00Z', train_end_date: '2020-02-01T00:00:00Z' })).to.throw(
      InvalidDataError,
      /tag_list is empty/,
    );
    expect(() =>
      bad({ tag_list: ['a'], resolution: '1M', train_start_date: '2020-01-01T00:00:00Z', train_end_date: '2020-02-01T00:00:00Z' }),
    ).to.throw(InvalidDataError, /"1M"/);
  });
});
