import type { Database } from '../persistence/Database.js';
import { inList, SqlClient, valuesList, type Statement } from '../persistence/sql/SqlClient.js';
import type { DemoFault, FaultKind } from './faults.js';

/**
 * The SQL of the demo, in one place: the ground-truth faults (table `demo_fault`) and the clean-up of a
 * previous demo. Portable SQL, run by SqlClient on SQLite and PostgreSQL alike.
 */

/** Rows per INSERT: 6 parameters each, far below SQLite's 32,766-parameter limit. */
const FAULT_ROWS_PER_STATEMENT = 500;

/** Adds `faults` to `demo_fault`, all in one transaction. */
export async function insertFaults(db: Database, faults: readonly DemoFault[]): Promise<void> {
  const statements: Statement[] = [];
  for (let start = 0; start < faults.length; start += FAULT_ROWS_PER_STATEMENT) {
    const chunk = faults.slice(start, start + FAULT_ROWS_PER_STATEMENT);
    statements.push({
      sql: `INSERT INTO demo_fault (asset, sensor, kind, from_ms, to_ms, magnitude) VALUES ${valuesList(chunk.length, 6)}`,
      params: chunk.flatMap((f) => [f.asset, f.sensor, f.kind, f.fromMs, f.toMs, f.magnitude]),
    });
  }
  if (statements.length > 0) await new SqlClient(db).transaction(statements);
}

/** Faults overlapping [fromMs, toMs), ordered by start. */
export async function readFaults(db: Database, fromMs: number, toMs: number): Promise<DemoFault[]> {
  const rows: { asset: string; sensor: string; kind: string; from_ms: number | string; to_ms: number | string; magnitude: number }[] =
    await new SqlClient(db).query(
      'SELECT asset, sensor, kind, from_ms, to_ms, magnitude FROM demo_fault WHERE from_ms < ? AND to_ms > ? ORDER BY from_ms, id',
      [toMs, fromMs],
    );
  return rows.map((r) => ({
    asset: r.asset,
    sensor: r.sensor,
    kind: r.kind as FaultKind,
    fromMs: Number(r.from_ms),
    toMs: Number(r.to_ms),
    magnitude: Number(r.magnitude),
  }));
}

export async function countModels(db: Database, project: string): Promise<number> {
  const rows: { n: number | string }[] = await new SqlClient(db).query('SELECT COUNT(*) AS n FROM model_definition WHERE project = ?', [
    project,
  ]);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Removes what a demo seeded: the sensors and points of `assets` and of the assets that have faults (a
 * previous demo's), every fault, and the models, trained revisions, predictions and ledger windows of
 * `project`. Runs in one transaction, so a crash leaves either the old demo or none.
 */
export async function clearDemo(db: Database, project: string, assets: readonly string[]): Promise<void> {
  const unique = [...new Set(assets)];
  const seeded = `asset IN (SELECT asset FROM demo_fault)${unique.length > 0 ? ` OR asset IN (${inList(unique.length)})` : ''}`;
  // SQLite keeps points packed in sensor_chunk (providers/embedded/pointChunks.ts), PostgreSQL a row a point.
  const points = db.dialect === 'sqlite' ? 'sensor_chunk' : 'sensor_point';
  const statements: Statement[] = [
    { sql: `DELETE FROM ${points} WHERE sensor_id IN (SELECT id FROM sensor WHERE ${seeded})`, params: unique },
    { sql: `DELETE FROM sensor WHERE ${seeded}`, params: unique },
    { sql: 'DELETE FROM demo_fault', params: [] },
  ];
  // A re-seed with the same config and end time gives the models the same revisions: ledger windows
  // left behind would claim predictions that were just deleted, so the project's windows go too.
  for (const table of ['prediction', 'prediction_series', 'prediction_window', 'model_revision', 'model_definition']) {
    statements.push({ sql: `DELETE FROM ${table} WHERE project = ?`, params: [project] });
  }
  await new SqlClient(db).transaction(statements);
}

/** The latest point of any sensor of `assets`, or undefined when they have none. */
export async function latestPointMs(db: Database, assets: readonly string[]): Promise<number | undefined> {
  if (assets.length === 0) return undefined;
  const rows: { latest: number | string | null }[] = await new SqlClient(db).query(
    db.dialect === 'sqlite'
      ? `SELECT MAX(p.end_ms) AS latest FROM sensor_chunk p JOIN sensor s ON s.id = p.sensor_id WHERE s.asset IN (${inList(assets.length)})`
      : `SELECT MAX(p.time_ms) AS latest FROM sensor_point p JOIN sensor s ON s.id = p.sensor_id WHERE s.asset IN (${inList(assets.length)})`,
    [...assets],
  );
  const latest = rows[0]?.latest;
  return latest === null || latest === undefined ? undefined : Number(latest);
}
