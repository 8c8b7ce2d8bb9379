import { expect } from 'chai';
import { buildCatalogue } from '../../../providers/tilstandomatic/gordoCatalogue.js';
import type { TilstandomaticConfig } from '../../../providers/tilstandomatic/config.js';

const config: TilstandomaticConfig = {
  source: { kind: 'files', files: ['unused.yaml'] },
  timeoutMs: 1_000,
  refreshIntervalMs: 1_000,
  assetRules: [],
  defaultAsset: '',
};

function machine(name: string, dataset: Record<string, unknown>) {
  return {
    name,
    dataset: {
      tag_list: ['A', 'B'],
      train_start_date: '2020-01-01T00:00:00+00:00',
      train_end_date: '2020-02-01T00:00:00+00:00',
      ...dataset,
    },
  };
}

function catalogue(...machines: ReturnType<typeof machine>[]) {
  return buildCatalogue([{ body: { metadata: { name: 'plant' }, spec: { config: { machines } } } }], config);
}

describe('Tilstandomatic catalogue: Gordo formats read as the gordo provider reads them', () => {
  it('reads pandas resolutions as pandas does (5Min, 1d, 1ms, 1H) and the default 10T', () => {
    const { models, problems } = catalogue(
      machine('five', { resolution: '5Min' }),
      machine('day', { resolution: '1d' }),
      machine('milli', { resolution: '1ms' }),
      machine('hour', { resolution: '1H' }),
      machine('default', {}),
    );
    expect(problems).to.deep.equal([]);
    const resolutions = Object.fromEntries([...models.get('plant')!].map(([name, m]) => [name, m.resolutionMs]));
    expect(resolutions).to.deep.equal({ five: 300_000, day: 86_400_000, milli: 1, hour: 3_600_000, default: 600_000 });
  });

  it('reports a month-start (1MS) or unreadable resolution as a problem of that machine, naming the value', () => {
    const { models, problems } = catalogue(
      machine('monthly', { resolution: '1MS' }),
      machine('odd', { resolution: '10 parsecs' }),
      machine('fine', {}),
    );
    expect([...models.get('plant')!.keys()]).to.deep.equal(['fine']);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.include({ machine: 'monthly' });
    expect(problems[0]!.reason).to.match(/^dataset\.resolution: resolution "1MS" is a calendar frequency \(month start\)/);
    expect(problems[1]!.reason).to.contain('"10 parsecs" is not a pandas frequency alias');
  });

  it('compiles row filters as the gordo provider will, reporting one it would refuse', () => {
    const { models, problems } = catalogue(
      machine('kept', { row_filter: ['`A` > 0', ''] }),
      machine('unknown-column', { row_filter: '`C` > 0' }),
      machine('not-a-filter', { row_filter: [1] }),
    );
    expect([...models.get('plant')!.keys()]).to.deep.equal(['kept']);
    expect(problems.map((p) => p.machine)).to.deep.equal(['unknown-column', 'not-a-filter']);
    expect(problems[0]!.reason).to.contain('row_filter "`C` > 0"');
    expect(problems[1]!.reason).to.equal('dataset.row_filter must be an expression or a list of expressions');
  });
});
