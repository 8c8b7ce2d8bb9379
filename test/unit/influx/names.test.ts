import { expect } from 'chai';
import { configNameProblem, ENCODED_PREFIX, fromStoredName, toStoredName } from '../../../providers/influx/names.js';

describe('influx stored names', () => {
  it('stores names that line protocol can carry unchanged', () => {
    for (const name of ['PT-101', 'with space, comma=equals', `it's "quoted"`, 'ünïcödé 温度 🌡', 'tab\there', 'x" OR 1=1 --', '50%']) {
      expect(toStoredName(name), name).to.equal(name);
    }
  });

  it('percent-encodes line breaks, carriage returns, backslashes, empty names, a leading # and the prefix itself', () => {
    expect(toStoredName('line\nbreak')).to.equal(`${ENCODED_PREFIX}line%0Abreak`);
    expect(toStoredName('cr\rlf\n')).to.equal(`${ENCODED_PREFIX}cr%0Dlf%0A`);
    expect(toStoredName('C:\\plant\\')).to.equal(`${ENCODED_PREFIX}C:%5Cplant%5C`);
    expect(toStoredName('')).to.equal(ENCODED_PREFIX);
    expect(toStoredName('#1')).to.equal(`${ENCODED_PREFIX}#1`);
    expect(toStoredName('100%\n')).to.equal(`${ENCODED_PREFIX}100%25%0A`);
    expect(toStoredName(`${ENCODED_PREFIX}x`)).to.equal(`${ENCODED_PREFIX}%25enc:x`);
  });

  it('decodes every stored name back to the original, one to one', () => {
    const names = ['', 'a', 'line\nbreak', '%0A', `${ENCODED_PREFIX}%0A`, '\\\\', '#', 'a\\,b', '%enc', '%25', ' \r\n\\%'];
    const stored = names.map(toStoredName);
    expect(stored.map(fromStoredName)).to.deep.equal(names);
    expect(new Set(stored).size).to.equal(names.length);
    for (const s of stored) expect(s, JSON.stringify(s)).to.not.match(/[\r\n\\]/);
  });
});

describe('influx configuration names', () => {
  it('accepts quotes, spaces, commas, equals signs, unicode and inner backslashes', () => {
    for (const name of [`sensor "raw", v2`, 'a=b', 'ünï', 'a\\b']) expect(configNameProblem(name, 'measurement'), name).to.equal(undefined);
  });

  it('refuses what line protocol cannot carry, saying why', () => {
    expect(configNameProblem('', 'tag key')).to.match(/cannot be empty/);
    expect(configNameProblem('a\nb', 'field key')).to.match(/line break/);
    expect(configNameProblem('a\\', 'tag key')).to.match(/backslash/);
    expect(configNameProblem('a\\ b', 'tag key')).to.match(/backslash/);
    expect(configNameProblem('#m', 'measurement')).to.match(/comment/);
    expect(configNameProblem('time', 'field key')).to.match(/dropped/);
  });
});
