import { expect } from 'chai';
import { compileRowFilter, rowFilterMask, type ColumnReader } from '../../../src/gordo/rowFilter.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';

const COLUMNS = ['TAG A', 'b', 'c'];
const row =
  (values: Record<string, number>): ColumnReader =>
  (name) =>
    values[name]!;

describe('compileRowFilter (the pandas eval subset Gordo row filters use)', () => {
  const holds = (expression: string, values: Record<string, number>) => compileRowFilter(expression, COLUMNS)(row(values));

  it('compares backtick-quoted and bare columns with numbers', () => {
    expect(holds('`TAG A` > 1000.0', { 'TAG A': 1001 })).to.equal(true);
    expect(holds('`TAG A` > 1000.0', { 'TAG A': 1000 })).to.equal(false);
    expect(holds('b <= -2.5e1', { b: -25 })).to.equal(true);
    expect(holds('b != c', { b: 1, c: 1 })).to.equal(false);
  });

  it('gives & and | the precedence of and/or (below comparisons), ~ negates, parentheses group', () => {
    expect(holds('b > 1 & c < 5 | b == 0', { b: 0, c: 9 })).to.equal(true);
    expect(holds('b > 1 & (c < 5 | b == 0)', { b: 2, c: 9 })).to.equal(false);
    expect(holds('~(b > 1) and not c > 1', { b: 0, c: 0 })).to.equal(true);
    expect(holds('b > 1 or False', { b: 0 })).to.equal(false);
  });

  it('chains comparisons as Python does and computes arithmetic', () => {
    expect(holds('0 < b < 10', { b: 5 })).to.equal(true);
    expect(holds('0 < b < 10', { b: 11 })).to.equal(false);
    expect(holds('b * 2 + c ** 2 - -1 > 10', { b: 1, c: 3 })).to.equal(true);
    expect(holds('(b - c) / 2 >= 1', { b: 5, c: 3 })).to.equal(true);
  });

  it('refuses unknown columns and malformed expressions, naming the expression and position', () => {
    expect(() => compileRowFilter('`nope` > 1', COLUMNS)).to.throw(
      InvalidDataError,
      /row_filter "`nope` > 1": column "nope" is not a tag of the model \(at character 1\)/,
    );
    expect(() => compileRowFilter('b > ', COLUMNS)).to.throw(InvalidDataError, /ends too early/);
    expect(() => compileRowFilter('(b > 1', COLUMNS)).to.throw(InvalidDataError, /a "\)" is missing/);
    expect(() => compileRowFilter('b > 1 $ c', COLUMNS)).to.throw(InvalidDataError, /unexpected character "\$"/);
    expect(() => compileRowFilter('`b > 1', COLUMNS)).to.throw(InvalidDataError, /not closed/);
  });
});

describe('rowFilterMask', () => {
  const values = [5, 5, 0, 5, 5, 5, 0];
  const filter = compileRowFilter('b > 1', COLUMNS);
  const read = (i: number) => row({ b: values[i]! });

  it('keeps the rows where every filter holds', () => {
    expect(Array.from(rowFilterMask([filter], values.length, read, 0))).to.deep.equal([1, 1, 0, 1, 1, 1, 0]);
  });

  it('also drops buffer-size rows before and after each failing row', () => {
    expect(Array.from(rowFilterMask([filter], values.length, read, 1))).to.deep.equal([1, 0, 0, 0, 1, 0, 0]);
  });

  it('keeps everything without filters', () => {
    expect(Array.from(rowFilterMask([], 3, read, 5))).to.deep.equal([1, 1, 1]);
  });
});
