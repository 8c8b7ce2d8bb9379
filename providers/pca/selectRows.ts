import type { TimeRange } from '../../src/domain/TimeRange.js';

/** Which samples of a frame a task scores. Positions refer to the frame's arrays. */
export interface RowSelection {
  /** Complete samples before `window.toMs`, in time order: up to `historyRows` before the window, then those inside it. */
  readonly rowIndices: Int32Array;
  /** Position in `rowIndices` of the first sample inside the window. */
  readonly firstInWindow: number;
  /** Complete samples inside the window. */
  readonly completeInWindow: number;
  /** Samples inside the window with a missing (NaN or infinite) value in some column: skipped. */
  readonly incompleteInWindow: number;
}

/**
 * Picks the complete samples (a finite value in every column) inside `window`, preceded by at most
 * `historyRows` complete samples from before it (history for smoothing). `timestamps` must ascend.
 */
export function selectRows(
  timestamps: ArrayLike<number>,
  columns: readonly ArrayLike<number>[],
  window: TimeRange,
  historyRows: number,
): RowSelection {
  const complete: number[] = [];
  let firstInWindow = -1;
  let incompleteInWindow = 0;
  for (let i = 0; i < timestamps.length && timestamps[i]! < window.toMs; i++) {
    const inWindow = timestamps[i]! >= window.fromMs;
    if (!isComplete(columns, i)) {
      if (inWindow) incompleteInWindow++;
      continue;
    }
    if (inWindow && firstInWindow < 0) firstInWindow = complete.length;
    complete.push(i);
  }
  if (firstInWindow < 0) {
    return { rowIndices: new Int32Array(0), firstInWindow: 0, completeInWindow: 0, incompleteInWindow };
  }
  const start = Math.max(0, firstInWindow - historyRows);
  return {
    rowIndices: Int32Array.from(complete.slice(start)),
    firstInWindow: firstInWindow - start,
    completeInWindow: complete.length - firstInWindow,
    incompleteInWindow,
  };
}

/** Copies the complete samples of `columns` (training data: every sample, no window). */
export function completeColumns(columns: readonly ArrayLike<number>[], length: number): { columns: Float64Array[]; incomplete: number } {
  const keep: number[] = [];
  for (let i = 0; i < length; i++) if (isComplete(columns, i)) keep.push(i);
  const copied = columns.map((column) => Float64Array.from(keep, (i) => column[i]!));
  return { columns: copied, incomplete: length - keep.length };
}

function isComplete(columns: readonly ArrayLike<number>[], row: number): boolean {
  for (const column of columns) if (!Number.isFinite(column[row])) return false;
  return true;
}
