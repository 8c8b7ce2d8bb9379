import type { PredictionSet } from '../domain/Prediction.js';

/**
 * Score histogram, in multiples of the row's threshold: bins of SCORE_BIN_WIDTH up to LINEAR_LIMIT (where
 * thresholds are chosen), then bins 5 % wide (a broken sensor scores in the thousands), the last open-ended.
 */
export const SCORE_BIN_WIDTH = 0.05;
const LINEAR_LIMIT = 20;
const LINEAR_BINS = LINEAR_LIMIT / SCORE_BIN_WIDTH;
const LOG_STEP = Math.log(1.05);
const MAX_BIN = LINEAR_BINS + 400;

/** The histogram bin of a score ratio (>= 0). */
export function scoreBin(ratio: number): number {
  if (ratio < LINEAR_LIMIT) return Math.max(0, Math.floor(ratio / SCORE_BIN_WIDTH));
  return Math.min(MAX_BIN, LINEAR_BINS + Math.floor(Math.log(ratio / LINEAR_LIMIT) / LOG_STEP));
}

/** The upper edge of a bin (what a quantile in it is reported as), rounded to 6 significant digits. */
export function binUpperEdge(bin: number): number {
  const edge = bin < LINEAR_BINS ? (bin + 1) * SCORE_BIN_WIDTH : LINEAR_LIMIT * Math.exp((bin - LINEAR_BINS + 1) * LOG_STEP);
  return Number(edge.toPrecision(6));
}

/** What one stored window adds to its model's summary. Plain JSON. */
export interface WindowStats {
  readonly fromMs: number;
  readonly toMs: number;
  readonly rows: number;
  /** Rows the window's span holds at the model's resolution. */
  readonly expectedRows: number;
  readonly anomalies: number;
  /** Runs of consecutive anomalous rows inside the window. */
  readonly runs: number;
  readonly firstRowMs: number | null;
  readonly lastRowMs: number | null;
  readonly firstAnomalous: boolean;
  readonly lastAnomalous: boolean;
  /** Per tag (the set's tag names): rows with a finite output, and the sum of its contributions. */
  readonly tags: Readonly<Record<string, { rows: number; contribution: number }>>;
  /** Sparse histogram of totalAnomaly / threshold: bin index -> rows. */
  readonly scoreBins: Readonly<Record<string, number>>;
}

/** The window's share of the summary, computed once as it is stored. */
export function windowStats(set: PredictionSet, resolutionMs: number): WindowStats {
  const tags: Record<string, { rows: number; contribution: number }> = {};
  for (const name of set.tagNames) tags[name] = { rows: 0, contribution: 0 };
  const scoreBins: Record<string, number> = {};
  let anomalies = 0;
  let runs = 0;
  let previous: { timeMs: number; anomalous: boolean } | undefined;
  for (const row of set.rows) {
    if (row.isAnomaly) {
      anomalies++;
      if (!(previous?.anomalous === true && row.timeMs - previous.timeMs <= resolutionMs)) runs++;
    }
    previous = { timeMs: row.timeMs, anomalous: row.isAnomaly };
    set.tagNames.forEach((name, j) => {
      const entry = tags[name]!;
      if (Number.isFinite(row.outputs[j])) entry.rows++;
      const c = row.contributions[j];
      if (c !== undefined && Number.isFinite(c)) entry.contribution += c;
    });
    if (Number.isFinite(row.totalAnomaly) && row.threshold > 0) {
      const bin = scoreBin(row.totalAnomaly / row.threshold);
      scoreBins[bin] = (scoreBins[bin] ?? 0) + 1;
    }
  }
  const first = set.rows[0];
  const last = set.rows[set.rows.length - 1];
  return {
    fromMs: set.window.fromMs,
    toMs: set.window.toMs,
    rows: set.rows.length,
    expectedRows: Math.ceil((set.window.toMs - set.window.fromMs) / resolutionMs),
    anomalies,
    runs,
    firstRowMs: first?.timeMs ?? null,
    lastRowMs: last?.timeMs ?? null,
    firstAnomalous: first?.isAnomaly ?? false,
    lastAnomalous: last?.isAnomaly ?? false,
    tags,
    scoreBins,
  };
}
