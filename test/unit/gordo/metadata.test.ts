import { expect } from 'chai';
import { parseGordoMetadata } from '../../../providers/gordo/metadata.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';

function document(dataset: Record<string, unknown>) {
  return {
    metadata: {
      dataset: {
        tag_list: ['A', { name: 'B', asset: 'x' }],
        train_start_date: '2020-01-01 00:00:00+00:00',
        train_end_date: '2020-02-01T00:00:00+00:00',
        ...dataset,
      },
    },
  };
}

describe('Gordo metadata documents: shared Gordo formats', () => {
  it('reads pandas resolutions as pandas does (5Min, 1d, 1ms)', () => {
    for (const [alias, ms] of [
      ['5Min', 300_000],
      ['1d', 86_400_000],
      ['1ms', 1],
    ] as const) {
      expect(parseGordoMetadata(document({ resolution: alias }), 'p', 'm', 'r').resolutionMs, alias).to.equal(ms);
    }
  });

  it('refuses a month-start resolution (1MS) naming the model, the field and the value', () => {
    expect(() => parseGordoMetadata(document({ resolution: '1MS' }), 'p', 'm', 'r')).to.throw(
      InvalidDataError,
      'model p/m at revision r: metadata.dataset.resolution: resolution "1MS" is a calendar frequency (month start)',
    );
  });

  it('normalizes row filters and refuses one that is neither an expression nor a list of them', () => {
    expect(parseGordoMetadata(document({ resolution: '10T', row_filter: ['`A` > 0', ' '] }), 'p', 'm', 'r').rowFilter).to.deep.equal([
      '`A` > 0',
    ]);
    expect(parseGordoMetadata(document({ resolution: '10T', row_filter: null }), 'p', 'm', 'r').rowFilter).to.deep.equal([]);
    expect(() => parseGordoMetadata(document({ resolution: '10T', row_filter: 3 }), 'p', 'm', 'r')).to.throw(
      InvalidDataError,
      'metadata.dataset.row_filter must be',
    );
  });

  it('reads tag lists of names and objects, naming a bad entry', () => {
    expect(parseGordoMetadata(document({ resolution: '10T' }), 'p', 'm', 'r').inputTags).to.deep.equal([
      { name: 'A', asset: '' },
      { name: 'B', asset: 'x' },
    ]);
    expect(() => parseGordoMetadata(document({ resolution: '10T', tag_list: ['A', 7] }), 'p', 'm', 'r')).to.throw(
      InvalidDataError,
      'metadata.dataset.tag_list[1] is neither',
    );
  });
});
