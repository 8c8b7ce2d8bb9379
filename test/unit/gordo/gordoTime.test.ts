import { expect } from 'chai';
import { parseGordoMetadata } from '../../../providers/gordo/metadata.js';
import { describeModelResource } from '../../../providers/kubernetes/modelResource.js';
import { buildCatalogue } from '../../../providers/tilstandomatic/gordoCatalogue.js';
import { readGordoTime } from '../../../src/gordo/index.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';

const JAN1 = Date.UTC(2020, 0, 1);

describe('Gordo times (src/gordo, shared by gordo, kubernetes and tilstandomatic)', () => {
  const readable: [unknown, number][] = [
    ['2020-01-01T00:00:00+00:00', JAN1],
    ['2020-01-01 00:00:00+00:00', JAN1],
    ['2020-01-01T00:00:00Z', JAN1],
    ['2020-01-01T01:00:00+01:00', JAN1],
    ['2020-01-01T01:00:00+0100', JAN1],
    [' 2019-12-31 19:00:00-05:00 ', JAN1],
    [new Date(JAN1), JAN1],
  ];
  for (const [value, ms] of readable) {
    it(`reads ${JSON.stringify(value)}`, () => expect(readGordoTime(value, 'train_start_date')).to.equal(ms));
  }

  // Text without an offset would be read in this process's zone: Gordo requires one, and so do we.
  const refused: unknown[] = ['2020-01-01T00:00:00', '2020-01-01 00:00:00', '2020-01-01', 'yesterday', '', 20200101, null, undefined];
  for (const value of refused) {
    it(`refuses ${JSON.stringify(value)} naming the field and the value`, () => {
      expect(() => readGordoTime(value, 'metadata.dataset.train_start_date')).to.throw(
        InvalidDataError,
        `metadata.dataset.train_start_date: expected an ISO 8601 time with an offset, such as 2020-01-01T00:00:00+00:00, got ${JSON.stringify(value)}`,
      );
    });
  }

  it('the three users refuse a time without an offset the same way', () => {
    const dataset = {
      tag_list: ['A', 'B'],
      resolution: '10T',
      train_start_date: '2020-01-01T00:00:00',
      train_end_date: '2020-02-01T00:00:00+00:00',
    };
    expect(() => parseGordoMetadata({ metadata: { dataset } }, 'p', 'm', 'r')).to.throw(
      InvalidDataError,
      'metadata.dataset.train_start_date: expected an ISO 8601 time with an offset',
    );
    const resource = { metadata: { name: 'm' }, spec: { config: { dataset } } };
    expect(() => describeModelResource('p', { name: 'm', revision: '1', phase: 'Succeeded', resource })).to.throw(
      InvalidDataError,
      'spec.config.dataset.train_start_date: expected an ISO 8601 time with an offset',
    );
    const { problems } = buildCatalogue([{ body: { metadata: { name: 'p' }, spec: { config: { machines: [{ name: 'm', dataset }] } } } }], {
      source: { kind: 'files', files: ['x'] },
      timeoutMs: 1,
      refreshIntervalMs: 1,
      assetRules: [],
      defaultAsset: '',
    });
    expect(problems.map((p) => p.reason)).to.deep.equal([
      'dataset.train_start_date: expected an ISO 8601 time with an offset, such as 2020-01-01T00:00:00+00:00',
    ]);
  });
});
