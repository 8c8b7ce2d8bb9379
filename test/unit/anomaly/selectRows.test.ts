import { expect } from 'chai';
import { completeColumns, selectRows } from '../../../providers/pca/selectRows.js';

describe('selectRows', () => {
  // Ten rows at t = 0..9; the window is [4, 8).
  const timestamps = Float64Array.from({ length: 10 }, (_, i) => i);
  const full = Float64Array.from({ length: 10 }, (_, i) => i * 10);
  const window = { fromMs: 4, toMs: 8 };

  it('picks the rows inside the window, none after it', () => {
    const selection = selectRows(timestamps, [full, full], window, 0);
    expect(Array.from(selection.rowIndices)).to.deep.equal([4, 5, 6, 7]);
    expect(selection.firstInWindow).to.equal(0);
    expect(selection.completeInWindow).to.equal(4);
  });

  it('puts up to historyRows complete rows before the window first', () => {
    const selection = selectRows(timestamps, [full], window, 2);
    expect(Array.from(selection.rowIndices)).to.deep.equal([2, 3, 4, 5, 6, 7]);
    expect(selection.firstInWindow).to.equal(2);
  });

  it('skips and counts rows with a NaN or infinite value in any column', () => {
    const gappy = Float64Array.from(full);
    gappy[3] = Number.NaN;
    gappy[5] = Number.NaN;
    gappy[6] = Number.POSITIVE_INFINITY;
    const selection = selectRows(timestamps, [full, gappy], window, 2);
    expect(Array.from(selection.rowIndices)).to.deep.equal([1, 2, 4, 7]);
    expect(selection.firstInWindow).to.equal(2);
    expect(selection.completeInWindow).to.equal(2);
    expect(selection.incompleteInWindow).to.equal(2);
  });

  it('selects nothing when no complete row falls inside the window', () => {
    const selection = selectRows(timestamps, [full.map((v, i) => (i >= 4 ? Number.NaN : v))], window, 3);
    expect(selection.rowIndices).to.have.length(0);
    expect(selection.completeInWindow).to.equal(0);
    expect(selection.incompleteInWindow).to.equal(4);
  });
});

describe('completeColumns', () => {
  it('copies only the rows complete in every column and counts the others', () => {
    const result = completeColumns([Float64Array.of(1, Number.NaN, 3, 4), Float64Array.of(5, 6, 7, Number.NaN)], 4);
    expect(result.columns.map((column) => Array.from(column))).to.deep.equal([
      [1, 3],
      [5, 7],
    ]);
    expect(result.incomplete).to.equal(2);
  });
});
