import type { TimeRange } from '../domain/TimeRange.js';
import type { Database } from '../persistence/Database.js';
import { SqlClient, type SqlParam } from '../persistence/sql/SqlClient.js';
import { readFaults } from './demoTables.js';
import { assetOfDemoModel } from './plantLayout.js';
import { scoreDetections, type DetectionScore } from './scoreDetections.js';

export interface EvaluateDetectionsOptions {
  db: Database;
  /** The demo's project (`demo.project`). */
  project: string;
  /** Predictions and faults in this range are compared; faults partly inside count. */
  range: TimeRange;
  /** The models' resolution (`demo.resolution`): flags this far apart are consecutive. */
  resolutionMs: number;
  /** Anomalies up to this long after a fault's end still count for it. Default 5 minutes. */
  graceMs?: number;
  /** Consecutive flags that make a fault found (see ScoreOptions.minRun). Default 3. */
  minRun?: number;
}

/** What `latigo start --demo` prints on Ctrl-C: plain data, ready for JSON. */
export interface DetectionSummary extends DetectionScore {
  readonly project: string;
  readonly range: TimeRange;
  readonly graceMs: number;
  readonly minRun: number;
  /** Windows of the project's models inside the range that finished, by outcome (from the ledger). */
  readonly windows: { processed: number; succeeded: number; insufficientData: number; failed: number };
  /** Distinct (model, timestamp) predictions inside the range. */
  readonly scoredTimestamps: number;
}

export const DEFAULT_GRACE_MS = 5 * 60_000;
export const DEFAULT_MIN_RUN = 3;

/**
 * Compares the stored anomaly flags of the demo's models with the injected faults (`demo_fault`).
 * Each model `<asset>-anomaly` is scored against the faults of its asset; see `scoreDetections`.
 * Reads with a few aggregate queries, whatever the number of predictions.
 */
export async function evaluateDetections(options: EvaluateDetectionsOptions): Promise<DetectionSummary> {
  const { db, project, range } = options;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const minRun = options.minRun ?? DEFAULT_MIN_RUN;
  const sql = new SqlClient(db);
  const query = <R>(text: string, params: SqlParam[]) => sql.query<R>(text, params);
  const inRange: SqlParam[] = [project, range.fromMs, range.toMs];

  // DISTINCT: after a re-training two revisions may have scored the same timestamp.
  const flagged: { model: string; time_ms: number | string }[] = await query(
    'SELECT DISTINCT model, time_ms FROM prediction WHERE project = ? AND time_ms >= ? AND time_ms < ? AND is_anomaly ORDER BY model, time_ms',
    inRange,
  );
  const byAsset = new Map<string, number[]>();
  for (const row of flagged) {
    // The forecast and threshold models beside the PCA ones are not scored against the faults.
    if (assetOfDemoModel(row.model) === row.model) continue;
    const asset = assetOfDemoModel(row.model);
    const list = byAsset.get(asset) ?? [];
    list.push(Number(row.time_ms));
    byAsset.set(asset, list);
  }
  const faults = await readFaults(db, range.fromMs, range.toMs);
  const score = scoreDetections(
    faults,
    [...byAsset].map(([asset, timesMs]) => ({ asset, timesMs })),
    { graceMs, minRun, resolutionMs: options.resolutionMs },
  );

  const scored: { n: number | string }[] = await query(
    'SELECT COUNT(*) AS n FROM (SELECT DISTINCT model, time_ms FROM prediction WHERE project = ? AND time_ms >= ? AND time_ms < ?) scored',
    inRange,
  );
  const states: { state: string; n: number | string }[] = await query(
    'SELECT state, COUNT(*) AS n FROM prediction_window WHERE project = ? AND from_ms >= ? AND to_ms <= ? GROUP BY state',
    inRange,
  );
  const count = (...wanted: string[]) => states.filter((s) => wanted.includes(s.state)).reduce((sum, s) => sum + Number(s.n), 0);
  const windows = { succeeded: count('succeeded'), insufficientData: count('insufficient_data'), failed: count('failed', 'dead') };
  return {
    ...score,
    project,
    range,
    graceMs,
    minRun,
    windows: { processed: windows.succeeded + windows.insufficientData + windows.failed, ...windows },
    scoredTimestamps: Number(scored[0]?.n ?? 0),
  };
}
