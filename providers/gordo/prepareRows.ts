import type { SensorFrame } from '../../src/domain/SensorFrame.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { InsufficientDataError } from '../../src/runtime/errors.js';
import type { GordoModel } from './metadata.js';
import { compileRowFilter, rowFilterMask } from '../../src/gordo/index.js';

/** Rows that history before the window adds for a margin, beyond the model's offset (the Python client's 5). */
export const HISTORY_MARGIN_ROWS = 5;

/** The rows to send: complete, filtered, in time order; X and y columns aligned with `timesMs`. */
export interface PreparedRows {
  readonly timesMs: readonly number[];
  readonly x: readonly Float64Array[];
  readonly y: readonly Float64Array[];
  /** Rows of the read range dropped before sending, by reason (invariant 7). */
  readonly counts: { incomplete_rows: number; filtered_rows: number };
}

/**
 * Gordo's dataset step (reference 2.3, step 2) on an already resampled frame: keep the buckets in
 * `[window.from - (offset + 5) x resolution, window.to)`, inner-join the model's tags (a row with any
 * missing value is dropped), apply the row filter and its buffer, and refuse too little data.
 * `columnOf(name)` returns a tag's column on the frame's timestamps (undefined: the tag was not read).
 *
 * Throws InsufficientDataError when no complete row lies inside the window, or when the rows are no more
 * than the model's `n_samples_threshold` (before or after filtering).
 */
export function prepareRows(
  model: GordoModel,
  frame: SensorFrame,
  columnOf: (name: string) => Float64Array | undefined,
  window: TimeRange,
): PreparedRows {
  const where = `model ${model.project}/${model.name}`;
  const fetchFromMs = window.fromMs - (model.offsetRows + HISTORY_MARGIN_ROWS) * model.resolutionMs;
  const names = [...new Set([...model.inputTags, ...model.targetTags].map((t) => t.name))];
  const missing = names.filter((n) => columnOf(n) === undefined);
  if (missing.length > 0) throw new InsufficientDataError(`${where}: the following features are missing data: ${JSON.stringify(missing)}`);
  const columns = new Map(names.map((n) => [n, columnOf(n)!]));

  const candidates: number[] = [];
  let incomplete = 0;
  const { timestamps } = frame;
  for (let j = 0; j < timestamps.length; j++) {
    const t = timestamps[j]!;
    if (t < fetchFromMs || t >= window.toMs) continue;
    let complete = true;
    for (const column of columns.values()) {
      if (Number.isNaN(column[j]!)) {
        complete = false;
        break;
      }
    }
    if (complete) candidates.push(j);
    else incomplete++;
  }
  if (candidates.length <= model.nSamplesThreshold) {
    throw new InsufficientDataError(
      `${where}: ${candidates.length} complete rows in the read range, the model needs more than ${model.nSamplesThreshold} (${incomplete} rows had missing values)`,
    );
  }

  const filters = model.rowFilter.map((expression) => compileRowFilter(expression, names));
  const keep = rowFilterMask(filters, candidates.length, (i) => (name) => columns.get(name)![candidates[i]!]!, model.rowFilterBufferSize);
  const rows = candidates.filter((_, i) => keep[i] === 1);
  const filtered = candidates.length - rows.length;
  if (filters.length > 0 && rows.length <= model.nSamplesThreshold) {
    throw new InsufficientDataError(
      `${where}: ${rows.length} rows left after row filtering, the model needs more than ${model.nSamplesThreshold}`,
    );
  }
  if (!rows.some((j) => timestamps[j]! >= window.fromMs)) {
    throw new InsufficientDataError(`${where}: no complete row inside the window (${incomplete} incomplete, ${filtered} filtered out)`);
  }
  const pick = (name: string) => {
    const source = columns.get(name)!;
    return Float64Array.from(rows, (j) => source[j]!);
  };
  return {
    timesMs: rows.map((j) => timestamps[j]!),
    x: model.inputTags.map((t) => pick(t.name)),
    y: model.targetTags.map((t) => pick(t.name)),
    counts: { incomplete_rows: incomplete, filtered_rows: filtered },
  };
}
