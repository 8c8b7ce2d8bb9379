import { expect } from 'chai';
import { parseDataApiConfig } from '../../../providers/data-api/config.js';
import type { DataApiClientLike, DataApiSeries } from '../../../providers/data-api/DataApiClient.js';
import { SeriesDirectory } from '../../../providers/data-api/SeriesDirectory.js';
import { ProviderError } from '../../../src/runtime/errors.js';

/** Answers name lookups from a fixed list, counting them. */
class ListingClient implements Pick<DataApiClientLike, 'listSeries'> {
  lookups = 0;
  constructor(private readonly series: DataApiSeries[]) {}
  async listSeries(filter: { name?: string; facility?: string }) {
    this.lookups++;
    return this.series.filter(
      (s) => (filter.name === undefined || s.name === filter.name) && (filter.facility === undefined || s.facility === filter.facility),
    );
  }
}

const directory = (client: ListingClient, facility: Record<string, unknown> = {}) =>
  new SeriesDirectory(
    client as unknown as DataApiClientLike,
    parseDataApiConfig({ base_url: 'https://api.example/v1.7', credential: { kind: 'static', token: 't' }, facility }, 'sensor_data'),
  );

describe('SeriesDirectory', () => {
  it('refuses a name found in several facilities unless a rule or the default settles it', async () => {
    const client = new ListingClient([
      { id: '1', name: 'PT-1', facility: 'north' },
      { id: '2', name: 'PT-1', facility: 'south' },
    ]);
    const err = await directory(client)
      .facilitiesOf(['PT-1'])
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProviderError);
    expect((err as ProviderError).retryable).to.equal(false);
    expect((err as Error).message)
      .to.include('north, south')
      .and.include('facility.rules');
    expect(await directory(client, { default: 'south' }).facilitiesOf(['PT-1'])).to.deep.equal(['south']);
    expect(await directory(client, { rules: [{ prefix: 'PT-', facility: 'north' }] }).facilitiesOf(['PT-1'])).to.deep.equal(['north']);
  });

  it('answers from the rules without a request, and shares one lookup among concurrent callers', async () => {
    const client = new ListingClient([{ id: '1', name: 'A', facility: 'f' }]);
    const byRule = directory(client, { rules: [{ prefix: '19', facility: '1903' }] });
    expect(await byRule.facilitiesOf(['1903.X', '1901.Y'])).to.deep.equal(['1903', '1903']);
    expect(client.lookups).to.equal(0);
    const shared = directory(client);
    await Promise.all([shared.find('A', 'f'), shared.find('A', 'f'), shared.find('A', 'f')]);
    expect(client.lookups).to.equal(1);
  });

  it('does not cache an absent series, so one created later is found', async () => {
    const series: DataApiSeries[] = [];
    const client = new ListingClient(series);
    const d = directory(client);
    expect(await d.find('B', 'f')).to.equal(undefined);
    series.push({ id: '9', name: 'B', facility: 'f' });
    expect((await d.find('B', 'f'))?.id).to.equal('9');
  });
});
