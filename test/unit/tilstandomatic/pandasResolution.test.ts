import { expect } from 'chai';
import { parsePandasResolution } from '../../../providers/tilstandomatic/pandasResolution.js';

describe('parsePandasResolution', () => {
  it('reads the fixed-length aliases Gordo configurations use', () => {
    expect(parsePandasResolution('10T')).to.equal(600_000);
    expect(parsePandasResolution('10min')).to.equal(600_000);
    expect(parsePandasResolution('30S')).to.equal(30_000);
    expect(parsePandasResolution('1H')).to.equal(3_600_000);
    expect(parsePandasResolution('D')).to.equal(86_400_000);
    expect(parsePandasResolution('500L')).to.equal(500);
  });

  it('refuses calendar and unknown aliases, case-sensitively (MS is month start)', () => {
    for (const alias of ['1MS', '1M', 'W', '0T', '10 parsecs', '']) expect(() => parsePandasResolution(alias), alias).to.throw(RangeError);
  });
});
