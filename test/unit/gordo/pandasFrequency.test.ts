import { expect } from 'chai';
import { parsePandasFrequency, parsePandasResolution } from '../../../src/gordo/index.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';

describe('pandas frequencies (src/gordo, shared by gordo, tilstandomatic and kubernetes)', () => {
  // [alias, milliseconds] as pandas' to_offset reads them: every name is upper-cased except exactly MS and ms.
  const fixed: [string, number][] = [
    ['10T', 600_000],
    ['10t', 600_000],
    ['T', 60_000],
    ['10min', 600_000],
    ['5Min', 300_000],
    ['5MIN', 300_000],
    ['S', 1_000],
    ['30S', 30_000],
    ['30s', 30_000],
    ['1H', 3_600_000],
    ['1h', 3_600_000],
    ['2h', 7_200_000],
    ['D', 86_400_000],
    ['1D', 86_400_000],
    ['1d', 86_400_000],
    ['500L', 500],
    ['1L', 1],
    ['1l', 1],
    ['1ms', 1],
    ['250ms', 250],
    ['1.5H', 5_400_000],
    [' 10T ', 600_000],
    ['10 T', 600_000],
    ['+10T', 600_000],
    ['2000us', 2],
  ];
  for (const [alias, ms] of fixed) {
    it(`reads "${alias}" as a fixed ${ms} ms`, () => {
      expect(parsePandasFrequency(alias)).to.deep.equal({ kind: 'fixed', alias, ms });
      expect(parsePandasResolution(alias)).to.equal(ms);
    });
  }

  const calendar: [string, string][] = [
    ['1MS', 'month start'],
    ['MS', 'month start'],
    ['Ms', 'month start'],
    ['M', 'month end'],
    ['1M', 'month end'],
    ['ME', 'month end'],
    ['W', 'week'],
    ['W-MON', 'week'],
    ['B', 'business day'],
    ['Q-DEC', 'quarter end'],
    ['A', 'year end'],
    ['YS', 'year start'],
    ['BH', 'business hour'],
  ];
  for (const [alias, description] of calendar) {
    it(`reads "${alias}" as the calendar frequency ${description}, refused where a fixed resolution is needed`, () => {
      expect(parsePandasFrequency(alias)).to.include({ kind: 'calendar', alias, description });
      expect(() => parsePandasResolution(alias)).to.throw(
        InvalidDataError,
        `resolution "${alias}" is a calendar frequency (${description}) with no fixed length`,
      );
    });
  }

  it('tells 1MS (month start) from 1ms (one millisecond): case matters for exactly these', () => {
    expect(parsePandasFrequency('1MS').kind).to.equal('calendar');
    expect(parsePandasResolution('1ms')).to.equal(1);
  });

  const unreadable = ['', '10 parsecs', 'parsec', '10TT', 'T-MON', '1.5W', '10T5', 'ten minutes', '--1T'];
  for (const alias of unreadable) {
    it(`refuses "${alias}" naming the value`, () => {
      expect(() => parsePandasFrequency(alias)).to.throw(InvalidDataError, `"${alias}" is not a pandas frequency alias`);
      expect(() => parsePandasResolution(alias)).to.throw(InvalidDataError, `"${alias}"`);
    });
  }

  const notAResolution: [string, RegExp][] = [
    ['0T', /must be longer than zero/],
    ['-10T', /must be longer than zero/],
    ['1us', /not a whole number of milliseconds/],
    ['5N', /not a whole number/],
  ];
  for (const [alias, reason] of notAResolution) {
    it(`reads "${alias}" but refuses it as a resolution`, () => {
      expect(parsePandasFrequency(alias).kind).to.equal('fixed');
      expect(() => parsePandasResolution(alias))
        .to.throw(InvalidDataError, reason)
        .and.to.match(new RegExp(`"${alias}"`));
    });
  }
});
