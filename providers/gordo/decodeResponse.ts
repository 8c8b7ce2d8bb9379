import type { PredictionRow } from '../../src/domain/Prediction.js';
import { ProviderError } from '../../src/runtime/errors.js';
import { numberCell } from './json.js';

/** Groups with one column and no tag: pandas writes them with the group name repeated as the sub-key. */
const AGGREGATE_GROUPS = [
  'total-anomaly-scaled',
  'total-anomaly-unscaled',
  'total-anomaly-confidence',
  'smooth-total-anomaly-scaled',
  'smooth-total-anomaly-unscaled',
] as const;
/** Per-tag groups kept in `details` (besides outputs and scaled anomalies, which have fields of their own). */
const TAG_DETAIL_GROUPS = [
  'tag-anomaly-unscaled',
  'anomaly-confidence',
  'smooth-tag-anomaly-scaled',
  'smooth-tag-anomaly-unscaled',
] as const;

type Column = Record<string, unknown>;
type Group = Record<string, Column>;

export interface DecodeOptions {
  /** Target tag names in the order of the set's `tagNames`. */
  readonly targets: readonly string[];
  /** The model's aggregate threshold, when its metadata has one. */
  readonly aggregateThreshold?: number;
  /** For `/prediction` answers (no anomaly columns): y per target, aligned with `sentTimesMs`. */
  readonly sent?: { readonly timesMs: readonly number[]; readonly y: readonly Float64Array[] };
}

/**
 * Decodes the column-first `data` of a `/anomaly/prediction` or `/prediction` answer (reference 1.6) into
 * rows keyed by their start time; both the 0.5x and 6.x shapes (smoothed groups present or not).
 *
 * - Row keys are pandas timestamps with a space (`2020-04-10 07:00:00+00:00`); any offset is honoured.
 * - A missing or null (NaN) cell is NaN, never 0.
 * - Anomaly answers: outputs = `model-output`, contributions = `tag-anomaly-scaled`, total =
 *   `total-anomaly-scaled`, threshold = the aggregate threshold (else total / `total-anomaly-confidence`);
 *   unscaled and confidence columns go to `details` (`<group>` or `<group>:<tag>`).
 * - `/prediction` answers: contributions = |output - y| per tag and total = their mean square (Gordo's
 *   unscaled definition), threshold = the aggregate threshold or NaN (never flagged).
 */
export function decodePredictionData(answer: Record<string, unknown>, options: DecodeOptions): PredictionRow[] {
  const data = answer['data'];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw malformed('the answer has no "data" object');
  const groups = data as Record<string, Group>;
  const output = groups['model-output'];
  if (output === undefined) throw malformed('"data" has no "model-output" group');

  const index = new RowIndex(output);
  const targetColumns = (group: Group | undefined, name: string): (Column | undefined)[] => {
    if (group === undefined) return options.targets.map(() => undefined);
    const subs = Object.keys(group);
    // Gordo names output columns 0..k-1 when their count differs from the target tags: take them by position.
    const byName = options.targets.every((t) => t in group);
    if (!byName && subs.length !== options.targets.length)
      throw malformed(`group "${name}" has ${subs.length} columns for ${options.targets.length} target tags`);
    return options.targets.map((t, i) => (byName ? group[t] : group[subs[i]!]));
  };

  const outputs = index.fill(targetColumns(output, 'model-output'));
  const anomaly = groups['tag-anomaly-scaled'];
  const rows: PredictionRow[] = [];
  if (anomaly !== undefined) {
    const contributions = index.fill(targetColumns(anomaly, 'tag-anomaly-scaled'));
    const aggregates = new Map(
      AGGREGATE_GROUPS.filter((g) => groups[g] !== undefined).map((g) => [g, index.fill([singleColumn(groups[g]!, g)])[0]!] as const),
    );
    const tagDetails = TAG_DETAIL_GROUPS.filter((g) => groups[g] !== undefined).map((g) => ({
      keys: options.targets.map((t) => `${g}:${t}`),
      columns: index.fill(targetColumns(groups[g], g)),
    }));
    const aggregateDetails = [...aggregates].filter(([group]) => group !== 'total-anomaly-scaled');
    const total = aggregates.get('total-anomaly-scaled');
    if (total === undefined) throw malformed('"data" has "tag-anomaly-scaled" but no "total-anomaly-scaled"');
    const confidence = aggregates.get('total-anomaly-confidence');
    for (let r = 0; r < index.size; r++) {
      const totalAnomaly = total[r]!;
      const threshold = options.aggregateThreshold ?? (confidence ? totalAnomaly / confidence[r]! : Number.NaN);
      const details: Record<string, number> = {};
      for (const [group, column] of aggregateDetails) details[group] = column[r]!;
      for (const { keys, columns } of tagDetails) for (let i = 0; i < keys.length; i++) details[keys[i]!] = columns[i]![r]!;
      rows.push({
        timeMs: index.timesMs[r]!,
        outputs: outputs.map((c) => c[r]!),
        contributions: contributions.map((c) => c[r]!),
        totalAnomaly,
        threshold,
        isAnomaly: totalAnomaly > threshold,
        details,
      });
    }
    return rows;
  }

  // `/prediction`: score the output against the y we sent, by time.
  const sentRow = new Map(options.sent?.timesMs.map((t, i) => [t, i]) ?? []);
  const threshold = options.aggregateThreshold ?? Number.NaN;
  for (let r = 0; r < index.size; r++) {
    const i = sentRow.get(index.timesMs[r]!);
    const rowOutputs = outputs.map((c) => c[r]!);
    const contributions = rowOutputs.map((o, t) => (i === undefined ? Number.NaN : Math.abs(o - options.sent!.y[t]![i]!)));
    const totalAnomaly = contributions.reduce((sum, d) => sum + d * d, 0) / Math.max(1, contributions.length);
    rows.push({
      timeMs: index.timesMs[r]!,
      outputs: rowOutputs,
      contributions,
      totalAnomaly,
      threshold,
      isAnomaly: totalAnomaly > threshold,
    });
  }
  return rows;
}

/** The answer's rows: keys of the first output column, parsed once, in time order. */
class RowIndex {
  readonly timesMs: number[];
  /** Keys in the order the answer lists them, and each one's row: pandas writes every column in that order. */
  private readonly keyOrder: string[];
  private readonly rowOfKey: Int32Array;
  private readonly position = new Map<string, number>();

  constructor(output: Group) {
    const first = Object.values(output)[0];
    if (first === undefined) throw malformed('"model-output" has no columns');
    this.keyOrder = Object.keys(first);
    const keyed = this.keyOrder.map((key, i) => ({ i, timeMs: parseRowKey(key) }));
    keyed.sort((a, b) => a.timeMs - b.timeMs);
    this.timesMs = keyed.map((k) => k.timeMs);
    this.rowOfKey = new Int32Array(keyed.length);
    keyed.forEach((k, row) => {
      this.rowOfKey[k.i] = row;
      this.position.set(this.keyOrder[k.i]!, row);
    });
  }

  get size(): number {
    return this.timesMs.length;
  }

  /** Columns as arrays on the index; cells the column lacks (and null, i.e. NaN) are NaN. */
  fill(columns: readonly (Column | undefined)[]): Float64Array[] {
    return columns.map((column) => {
      const values = new Float64Array(this.size).fill(Number.NaN);
      if (column === undefined) return values;
      let i = 0;
      for (const key in column) {
        // The common case compares one (internalized) key; a column in another order falls back to the map.
        const row = key === this.keyOrder[i] ? this.rowOfKey[i] : this.position.get(key);
        if (row !== undefined) values[row] = numberCell(column[key]);
        i++;
      }
      return values;
    });
  }
}

/** `2020-04-10 07:00:00+00:00`, `2020-04-10T07:00:00Z`, fractional seconds of any length. */
export function parseRowKey(key: string): number {
  // Date.parse would read "0" (a frame without a time index) as the year 2000: require a date first.
  const ms = /^\d{4}-\d{2}-\d{2}/.test(key) ? Date.parse(key[10] === ' ' ? `${key.slice(0, 10)}T${key.slice(11)}` : key) : Number.NaN;
  if (Number.isNaN(ms)) throw malformed(`row key "${key}" is not a timestamp (the model was sent rows without a time index?)`);
  return ms;
}

/** A single-column group: `{"g": {"g": {...}}}` in JSON (pandas repeats the name), `{"g": {"": {...}}}` elsewhere. */
function singleColumn(group: Group, name: string): Column | undefined {
  return group[name] ?? group[''] ?? Object.values(group)[0];
}

function malformed(what: string): ProviderError {
  return new ProviderError(`gordo prediction answer: ${what}`, { retryable: false });
}
