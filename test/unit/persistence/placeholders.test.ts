import { expect } from 'chai';
import { quoteLiteral, toNumberedPlaceholders, withInlinedLiterals } from '../../../src/persistence/sql/placeholders.js';

describe('toNumberedPlaceholders', () => {
  it('numbers each ? in order', () => {
    expect(toNumberedPlaceholders('SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?')).to.equal(
      'SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4',
    );
  });

  it('leaves a ? inside string literals and quoted identifiers alone, doubled quotes included', () => {
    expect(toNumberedPlaceholders(`SELECT '?', 'it''s ?', "odd?name", ? FROM t WHERE x = ?`)).to.equal(
      `SELECT '?', 'it''s ?', "odd?name", $1 FROM t WHERE x = $2`,
    );
  });

  it('returns SQL without placeholders unchanged', () => {
    expect(toNumberedPlaceholders("UPDATE t SET state = 'queued'")).to.equal("UPDATE t SET state = 'queued'");
  });

  it('numbers past nine and keeps a long multi-row statement intact', () => {
    const sql = `INSERT INTO t (a, b) VALUES ${Array.from({ length: 6 }, () => '(?, ?)').join(', ')}`;
    expect(toNumberedPlaceholders(sql)).to.equal(
      `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8), ($9, $10), ($11, $12)`,
    );
  });
});

describe('withInlinedLiterals', () => {
  it('puts each literal in the place of its ?, leaving a ? inside quotes alone', () => {
    expect(withInlinedLiterals(`SELECT '?', "odd?name", ? FROM t WHERE x = ? AND y IN (?)`, ["'a'", 'NULL', "'?'"])).to.equal(
      `SELECT '?', "odd?name", 'a' FROM t WHERE x = NULL AND y IN ('?')`,
    );
  });

  it('refuses fewer or more values than placeholders', () => {
    expect(() => withInlinedLiterals('SELECT ?, ?', ["'a'"])).to.throw('1 values given for 2 ? placeholders');
    expect(() => withInlinedLiterals('SELECT 1', ["'a'"])).to.throw('1 values given for 0 ? placeholders');
  });
});

describe('quoteLiteral', () => {
  it('doubles single quotes', () => {
    expect(quoteLiteral("it's")).to.equal("'it''s'");
  });

  it('writes an E literal with doubled backslashes when the text has a backslash', () => {
    expect(quoteLiteral('{"a\\"b"}')).to.equal(` E'{"a\\\\"b"}'`);
    expect(quoteLiteral("\\'")).to.equal(` E'\\\\'''`);
  });
});
