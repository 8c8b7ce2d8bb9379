/**
 * Dynamic PCA (Ku, Storer & Georgakis, 1995) augments each sample with lagged copies of itself, so the
 * model sees short-term dynamics (x_t against x_{t-1}, ...) and not just the correlation of simultaneous
 * values. Layout of the augmented sample, tag-major: for p tags and L lags the column of tag j, lag l is
 * j·(L+1) + l, so [tag0(t), tag0(t-1), .., tag0(t-L), tag1(t), ..].
 *
 * "Lag l" is the l-th previous *complete* sample of the sequence handed in, not the sample l resolution
 * steps earlier: a gap in the data is bridged, exactly like the smoothing does, so that a row's lagged
 * values do not depend on which window scores it (see selectRows and the executor's history reading).
 */

/** Column of tag `tag`, lag `lag` in a model with `lags` lags. */
export function laggedColumnIndex(tag: number, lag: number, lags: number): number {
  return tag * (lags + 1) + lag;
}

/**
 * The augmented columns for the samples at `rowIndices` (positions in `columns`, in time order).
 * Row r of the result holds sample rowIndices[r] and its `lags` predecessors in rowIndices. Rows without
 * enough predecessors (the very start of the data) repeat the earliest sample they have, so no row is
 * lost; training drops them instead (`dropIncomplete`), since it can afford to.
 */
export function laggedColumns(
  columns: readonly ArrayLike<number>[],
  rowIndices: ArrayLike<number>,
  lags: number,
  { dropIncomplete = false } = {},
): Float64Array[] {
  if (!Number.isInteger(lags) || lags < 0) throw new RangeError(`lags must be a non-negative integer, got ${lags}`);
  const first = dropIncomplete ? Math.min(lags, rowIndices.length) : 0;
  const count = rowIndices.length - first;
  const result: Float64Array[] = [];
  for (const column of columns) {
    for (let lag = 0; lag <= lags; lag++) {
      const lagged = new Float64Array(count);
      for (let r = 0; r < count; r++) lagged[r] = column[rowIndices[Math.max(0, first + r - lag)]!]!;
      result.push(lagged);
    }
  }
  return result;
}

/**
 * Per-tag values of an augmented model folded back onto the original tags: the sum over each tag's lagged
 * copies. Row-major `count × p·(L+1)` in, `count × p` out. Used for contributions, so an operator is told
 * "discharge pressure", not "discharge pressure, lag 3".
 */
export function foldLags(values: Float64Array, count: number, tags: number, lags: number): Float64Array {
  if (lags === 0) return values;
  const width = tags * (lags + 1);
  const folded = new Float64Array(count * tags);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < tags; j++) {
      let sum = 0;
      for (let l = 0; l <= lags; l++) sum += values[r * width + laggedColumnIndex(j, l, lags)]!;
      folded[r * tags + j] = sum;
    }
  }
  return folded;
}

/** Per-tag values of the lag-0 copies only (the model's reconstruction of the current sample). */
export function currentLag(values: Float64Array, count: number, tags: number, lags: number): Float64Array {
  if (lags === 0) return values;
  const width = tags * (lags + 1);
  const current = new Float64Array(count * tags);
  for (let r = 0; r < count; r++) for (let j = 0; j < tags; j++) current[r * tags + j] = values[r * width + laggedColumnIndex(j, 0, lags)]!;
  return current;
}
