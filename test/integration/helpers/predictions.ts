import type { ModelSummary } from '../../../src/domain/ModelDescription.js';
import type { DatabaseReader } from './sqlite.js';

/** A window of the ledger beside what was stored for it and how many runs claim to have done it. */
export interface WindowAudit {
  task_id: string;
  state: string;
  rows_written: number | null;
  /** Predictions of the window's model and revision inside [from_ms, to_ms). */
  stored: number;
  succeeded_runs: number;
}

/** One statement for every window (a correlated count per window is fine at the test fleets' size); plain SQL
 *  that SQLite and PostgreSQL both run (counts come back as int8 on PostgreSQL: read them with Number()). */
export const auditWindowsSql = `
    SELECT w.task_id, w.state, w.rows_written,
      (SELECT COUNT(*) FROM prediction p WHERE p.project = w.project AND p.model = w.model AND p.revision = w.revision
        AND p.time_ms >= w.from_ms AND p.time_ms < w.to_ms) AS stored,
      (SELECT COUNT(*) FROM task_run r WHERE r.task_id = w.task_id AND r.status = 'succeeded') AS succeeded_runs
    FROM prediction_window w ORDER BY w.task_id`;

export function auditWindows(db: DatabaseReader): WindowAudit[] {
  return db.all<WindowAudit>(auditWindowsSql);
}

export const storedTimesSql = 'SELECT project, model, revision, time_ms FROM prediction ORDER BY project, model, revision, time_ms';

/** Stored prediction timestamps, ascending, by `project/model@revision`. */
export function storedTimes(db: DatabaseReader): Map<string, number[]> {
  return groupStoredTimes(db.all(storedTimesSql));
}

/** The rows of `storedTimesSql` grouped by `project/model@revision`. */
export function groupStoredTimes(
  rows: readonly { project: string; model: string; revision: string; time_ms: number }[],
): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const row of rows) {
    const key = modelKey({ project: row.project, name: row.model, revision: row.revision });
    let list = times.get(key);
    if (!list) times.set(key, (list = []));
    list.push(Number(row.time_ms));
  }
  return times;
}

export function modelKey(model: ModelSummary): string {
  return `${model.project}/${model.name}@${model.revision}`;
}

/** Every bucket start of [fromMs, toMs) at `resolutionMs`. */
export function timeGrid(range: { fromMs: number; toMs: number }, resolutionMs: number): number[] {
  const grid: number[] = [];
  for (let t = range.fromMs; t < range.toMs; t += resolutionMs) grid.push(t);
  return grid;
}
