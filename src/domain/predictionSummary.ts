import type { PredictionSet } from './Prediction.js';

/** Most anomalous rows of one window reported one by one (as `anomaly` events); the summary counts them all. */
export const MAX_ANOMALY_POINTS = 100;
/** Tags named per anomalous row: the largest contributions. */
const TOP_TAGS = 3;

/** One anomalous row of a window: when, how far over its threshold, and the tags most to blame. */
export interface AnomalyPoint {
  readonly timeMs: number;
  readonly totalAnomaly: number;
  readonly threshold: number;
  readonly topTags: readonly { readonly tag: string; readonly contribution: number }[];
}

/** What the executor stored for one window, small enough to travel as events (issue 15). */
export interface PredictionSummary {
  readonly rows: number;
  /** Rows flagged anomalous (all of them, though at most MAX_ANOMALY_POINTS are in `points`). */
  readonly anomalies: number;
  /** The largest total anomaly score of the window; null when it has no rows. */
  readonly maxTotalAnomaly: number | null;
  /** The threshold of the window's last row; null when it has no rows. */
  readonly threshold: number | null;
  /** The anomalous rows with the largest scores, at most MAX_ANOMALY_POINTS, in time order. */
  readonly points: readonly AnomalyPoint[];
}

/** Summarises a prediction set; non-finite scores are left out of the maximum, as storage drops them. */
export function summarizePredictions(set: PredictionSet): PredictionSummary {
  let maxTotalAnomaly: number | null = null;
  const flagged = [];
  for (const row of set.rows) {
    if (Number.isFinite(row.totalAnomaly) && (maxTotalAnomaly === null || row.totalAnomaly > maxTotalAnomaly)) {
      maxTotalAnomaly = row.totalAnomaly;
    }
    if (row.isAnomaly) flagged.push(row);
  }
  const kept =
    flagged.length <= MAX_ANOMALY_POINTS
      ? flagged
      : [...flagged]
          .sort((a, b) => b.totalAnomaly - a.totalAnomaly)
          .slice(0, MAX_ANOMALY_POINTS)
          .sort((a, b) => a.timeMs - b.timeMs);
  const last = set.rows[set.rows.length - 1];
  return {
    rows: set.rows.length,
    anomalies: flagged.length,
    maxTotalAnomaly,
    threshold: last === undefined ? null : last.threshold,
    points: kept.map((row) => ({
      timeMs: row.timeMs,
      totalAnomaly: row.totalAnomaly,
      threshold: row.threshold,
      topTags: row.contributions
        .map((contribution, i) => ({ tag: set.tagNames[i] ?? `#${i}`, contribution }))
        .filter((t) => Number.isFinite(t.contribution))
        .sort((a, b) => b.contribution - a.contribution)
        .slice(0, TOP_TAGS),
    })),
  };
}
