import { expect } from 'chai';
import { parseGordoJson } from '../../../providers/gordo/json.js';
import { pandasTimestampKey } from '../../../providers/gordo/encodeRequest.js';
import { parseRowKey } from '../../../providers/gordo/decodeResponse.js';
import { parsePandasResolution } from '../../../src/gordo/index.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';

describe('parseGordoJson', () => {
  it('reads bare NaN as null and ±Infinity as ±Infinity, outside strings only', () => {
    const text = '{"a": NaN, "b": [Infinity, -Infinity, 1.5], "NaN tag": "Infinity and NaN", "q\\"NaN": -1}';
    expect(parseGordoJson(text)).to.deep.equal({ a: null, b: [Infinity, -Infinity, 1.5], 'NaN tag': 'Infinity and NaN', 'q"NaN': -1 });
  });

  it('parses plain JSON as JSON.parse does and rejects what is not JSON', () => {
    expect(parseGordoJson('{"x": [1, "NaN"]}')).to.deep.equal({ x: [1, 'NaN'] });
    expect(() => parseGordoJson('<html>')).to.throw(SyntaxError);
    expect(() => parseGordoJson('{"a": NaNa}')).to.throw(SyntaxError);
  });
});

describe('pandas timestamps and frequencies', () => {
  it('writes row keys as pandas str(Timestamp) does: a space, +00:00, microseconds only when non-zero', () => {
    expect(pandasTimestampKey(Date.parse('2020-04-10T07:00:00Z'))).to.equal('2020-04-10 07:00:00+00:00');
    expect(pandasTimestampKey(Date.parse('2020-04-10T07:00:00.5Z'))).to.equal('2020-04-10 07:00:00.500000+00:00');
  });

  it('reads row keys with a space or a T, any offset, any fraction', () => {
    expect(parseRowKey('2020-04-10 07:00:00+00:00')).to.equal(Date.parse('2020-04-10T07:00:00Z'));
    expect(parseRowKey('2020-04-10 09:00:00.250000+02:00')).to.equal(Date.parse('2020-04-10T07:00:00.25Z'));
    expect(parseRowKey('2020-04-10T07:00:00Z')).to.equal(Date.parse('2020-04-10T07:00:00Z'));
    expect(() => parseRowKey('0')).to.throw(/row key "0" is not a timestamp/);
  });

  it('reads old and new pandas aliases of fixed frequencies', () => {
    const cases: [string, number][] = [
      ['10T', 600_000],
      ['10min', 600_000],
      ['T', 60_000],
      ['30S', 30_000],
      ['30s', 30_000],
      ['1H', 3_600_000],
      ['2h', 7_200_000],
      ['1D', 86_400_000],
      ['500L', 500],
      ['250ms', 250],
    ];
    for (const [alias, ms] of cases) expect(parsePandasResolution(alias), alias).to.equal(ms);
  });

  it('refuses calendar frequencies and nonsense, naming the value', () => {
    for (const alias of ['1M', 'W-MON', 'B', '0T', '10 parsecs', '']) {
      expect(() => parsePandasResolution(alias), alias).to.throw(InvalidDataError, `"${alias}"`);
    }
  });
});
