import { expect } from 'chai';
import { InvalidArgumentError } from 'commander';
import { parseInstant } from '../../../src/cli/cliArguments.js';
import { instant, parseWith } from '../../../src/config/schema.js';

describe("backfill --from/--to: the configuration's instant parser", () => {
  const savedZone = process.env['TZ'];
  // A zone far from UTC, so reading the text as local time would give a different instant.
  before(() => {
    process.env['TZ'] = 'America/Los_Angeles';
  });
  after(() => {
    if (savedZone === undefined) delete process.env['TZ'];
    else process.env['TZ'] = savedZone;
  });

  const cases: [string, number][] = [
    ['2026-01-01T00:00:00', Date.UTC(2026, 0, 1)],
    ['2026-01-01 06:30', Date.UTC(2026, 0, 1, 6, 30)],
    ['2026-01-01', Date.UTC(2026, 0, 1)],
    ['2026-01-01T00:00:00Z', Date.UTC(2026, 0, 1)],
    ['2026-01-01T02:00:00+02:00', Date.UTC(2026, 0, 1)],
  ];
  for (const [text, expected] of cases) {
    it(`reads "${text}" as ${new Date(expected).toISOString()} (UTC unless an offset is given), as the configuration does`, () => {
      expect(new Date(2026, 0, 1).getTimezoneOffset(), 'the test runs in a zone other than UTC').to.not.equal(0);
      expect(parseInstant(text)).to.equal(expected);
      expect(parseWith(instant, text, 'x')).to.equal(expected);
    });
  }

  it('refuses text that is not an instant, naming it', () => {
    expect(() => parseInstant('yesterday')).to.throw(InvalidArgumentError, '"yesterday"');
  });
});
