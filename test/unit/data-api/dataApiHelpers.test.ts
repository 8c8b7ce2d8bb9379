import { expect } from 'chai';
import { parseDataApiConfig } from '../../../providers/data-api/config.js';
import { splitByPoints } from '../../../providers/data-api/DataApiPredictionStorage.js';
import { parseDatapointTime } from '../../../providers/data-api/datapointTime.js';
import { parseRetryAfter } from '../../../src/runtime/retry.js';
import { ConfigError } from '../../../src/runtime/errors.js';

describe('data-api helpers', () => {
  describe('parseDatapointTime', () => {
    it('keeps the millisecond of 7-digit times, rounding down, and says when digits were dropped', () => {
      expect(parseDatapointTime('2024-05-01T10:00:05.4200000Z')).to.deep.equal({
        ms: Date.UTC(2024, 4, 1, 10, 0, 5, 420),
        subMillisecond: false,
      });
      expect(parseDatapointTime('2024-05-01T10:00:05.9999999Z')).to.deep.equal({
        ms: Date.UTC(2024, 4, 1, 10, 0, 5, 999),
        subMillisecond: true,
      });
      expect(parseDatapointTime('2024-05-01T10:00:05Z').ms).to.equal(Date.UTC(2024, 4, 1, 10, 0, 5));
      expect(parseDatapointTime('2024-05-01T12:00:00.5+02:00').ms).to.equal(Date.UTC(2024, 4, 1, 10, 0, 0, 500));
      expect(parseDatapointTime('yesterday').ms).to.be.NaN;
      for (const invalid of [
        '2024-13-01T10:00:05Z',
        '2024-02-30T10:00:05Z',
        '2024-05-01T24:00:05Z',
        '2024-05-01T10:00:05.x1Z',
        '2024-13-01T10:00:05+01:00',
      ]) {
        expect(parseDatapointTime(invalid).ms, invalid).to.be.NaN;
      }
      expect(parseDatapointTime('2024-02-29T23:59:59.12Z').ms).to.equal(Date.UTC(2024, 1, 29, 23, 59, 59, 120));
    });
  });

  describe('parseRetryAfter', () => {
    it('reads delay-seconds and HTTP dates', () => {
      expect(parseRetryAfter('3')).to.equal(3000);
      expect(parseRetryAfter('0.5')).to.equal(500);
      expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).to.equal(10_000);
      expect(parseRetryAfter(undefined)).to.equal(undefined);
      expect(parseRetryAfter('soon')).to.equal(undefined);
    });
  });

  describe('splitByPoints', () => {
    it("splits items, and an item's points, into requests of at most maxPoints", () => {
      const points = (n: number) => Array.from({ length: n }, (_, i) => ({ time: String(i), value: i, status: 192 }));
      const batches = splitByPoints(
        [
          { id: 'a', datapoints: points(5) },
          { id: 'b', datapoints: points(2) },
        ],
        3,
      );
      expect(batches.map((b) => b.map((i) => `${i.id}:${i.datapoints.length}`))).to.deep.equal([['a:3'], ['a:2', 'b:1'], ['b:1']]);
    });
  });

  describe('parseDataApiConfig', () => {
    const base = { base_url: 'https://api.example/plant/timeseries/v1.7/', credential: { kind: 'static', token: 't' } };

    it('fills defaults: the Python naming, Good status, 100 ids per read', () => {
      const config = parseDataApiConfig(base, 'sensor_data');
      expect(config.baseUrl).to.equal('https://api.example/plant/timeseries/v1.7');
      expect(config.output).to.deep.include({ naming: '{tag}|{model}|{operation}', status: 192 });
      expect(config.read).to.deep.include({ idsPerRequest: 100, pointsPerRequest: 100_000, statusFilter: [192] });
      expect(config.facility).to.deep.equal({ mode: 'first_tag', rules: [] });
      expect(config.credential.path).to.equal('sensor_data.credential');
    });

    it('names the key of an invalid value', () => {
      expect(() => parseDataApiConfig({ ...base, read: { ids_per_request: 101 } }, 'sensor_data')).to.throw(
        ConfigError,
        /sensor_data\.read\.ids_per_request/,
      );
      expect(() => parseDataApiConfig({ ...base, output: { naming: '{tag}|{model}' } }, 'prediction_storage')).to.throw(
        ConfigError,
        /prediction_storage\.output\.naming.*\{operation\}/,
      );
      expect(() => parseDataApiConfig({ ...base, credential: { kind: 'static' } }, 'sensor_data')).to.throw(
        ConfigError,
        /sensor_data\.credential\.token/,
      );
      expect(() => parseDataApiConfig({ ...base, facility: { mode: 'by_asset' } }, 'sensor_data')).to.throw(
        ConfigError,
        /sensor_data\.facility\.mode/,
      );
    });
  });
});
