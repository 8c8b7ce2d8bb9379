import { expect } from 'chai';
import { checkOutputNaming, facilityFromRules, outputSeriesName, pythonLatigoOutputNaming } from '../../../src/domain/index.js';

describe('outputSeriesName', () => {
  const parts = { tag: '1903.R-29LT1047.MA_Y', model: 'model-7', project: 'plant', revision: 'r1', operation: 'model-output' };

  it('follows the Python latigo convention <tag>|<model>|<operation>', () => {
    expect(outputSeriesName(pythonLatigoOutputNaming, parts)).to.equal('1903.R-29LT1047.MA_Y|model-7|model-output');
  });

  it("replaces the template's separators inside a part with -, so names split back into their parts", () => {
    expect(outputSeriesName(pythonLatigoOutputNaming, { ...parts, tag: 'a|b', model: 'm|n' })).to.equal('a-b|m-n|model-output');
    expect(outputSeriesName('{project}/{model}.{tag}.{operation}', { ...parts, tag: 'x.y/z' })).to.equal(
      'plant/model-7.x-y-z.model-output',
    );
  });

  it('refuses unknown placeholders and templates that would give two series one name', () => {
    expect(() => checkOutputNaming('{tag}|{model}|{op}')).to.throw(RangeError, /unknown placeholder \{op\}/);
    expect(() => checkOutputNaming('{tag}|{operation}')).to.throw(RangeError, /\{model\}/);
    expect(() => checkOutputNaming('{tag}|{model}|{revision}|{operation}')).to.not.throw();
  });
});

describe('facilityFromRules', () => {
  it('picks the longest matching prefix, and nothing when none matches', () => {
    const rules = [
      { prefix: '1903.', facility: '1903' },
      { prefix: '1903.R-', facility: 'riser' },
      { prefix: 'GRA', facility: '1755' },
    ];
    expect(facilityFromRules('1903.A-40PT', rules)).to.equal('1903');
    expect(facilityFromRules('1903.R-29LT', rules)).to.equal('riser');
    expect(facilityFromRules('GRA-LT  -21-0480.PV', rules)).to.equal('1755');
    expect(facilityFromRules('1901.X', rules)).to.equal(undefined);
  });
});
