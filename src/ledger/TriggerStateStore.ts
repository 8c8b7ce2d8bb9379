import type { ModelSummary } from '../domain/ModelDescription.js';
import type { Database } from '../persistence/Database.js';
import { SqlClient } from '../persistence/sql/SqlClient.js';
import { placeholders } from './windowRows.js';

/** What the data trigger remembers about one model revision between passes. */
export interface TriggerState {
  nextFromMs: number;
  pointsSeen: number;
  pointsChecked: number;
  waitingSinceMs?: number;
}

/** `model_trigger_state` and `model_trigger_window`: the only SQL of the per-model triggers. */
export class TriggerStateStore {
  private readonly sql: SqlClient;

  constructor(db: Database) {
    this.sql = new SqlClient(db, 'triggers');
  }

  async get(model: ModelSummary): Promise<TriggerState | undefined> {
    const [row] = await this.sql.query<{
      next_from_ms: number | string;
      points_seen: number | string;
      points_checked: number | string;
      waiting_since_ms: number | string | null;
    }>(
      'SELECT next_from_ms, points_seen, points_checked, waiting_since_ms FROM model_trigger_state WHERE project = ? AND model = ? AND revision = ?',
      [model.project, model.name, model.revision],
    );
    if (row === undefined) return undefined;
    return {
      nextFromMs: Number(row.next_from_ms),
      pointsSeen: Number(row.points_seen),
      pointsChecked: Number(row.points_checked),
      ...(row.waiting_since_ms === null ? {} : { waitingSinceMs: Number(row.waiting_since_ms) }),
    };
  }

  /**
   * Saves the state together with the marks (DataWatermarks.windowMarks) of the windows just dispatched, in
   * one transaction. The column is `points`: the mark was a point count before the trigger read the ingest tables.
   */
  async save(model: ModelSummary, state: TriggerState, windowMarks: ReadonlyMap<number, number>, nowMs: number): Promise<void> {
    const key = [model.project, model.name, model.revision];
    await this.sql.transaction([
      {
        sql:
          'INSERT INTO model_trigger_state (project, model, revision, next_from_ms, points_seen, points_checked, waiting_since_ms, updated_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project, model, revision) DO UPDATE SET next_from_ms = excluded.next_from_ms, ' +
          'points_seen = excluded.points_seen, points_checked = excluded.points_checked, waiting_since_ms = excluded.waiting_since_ms, ' +
          'updated_at = excluded.updated_at',
        params: [...key, state.nextFromMs, state.pointsSeen, state.pointsChecked, state.waitingSinceMs ?? null, nowMs],
      },
      ...[...windowMarks].map(([fromMs, mark]) => ({
        sql:
          'INSERT INTO model_trigger_window (project, model, revision, from_ms, points) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (project, model, revision, from_ms) DO UPDATE SET points = excluded.points',
        params: [...key, fromMs, mark],
      })),
    ]);
  }

  /** The mark saved per dispatched window starting in [fromMs, toMs). */
  async windowMarks(model: ModelSummary, fromMs: number, toMs: number): Promise<Map<number, number>> {
    const rows = await this.sql.query<{ from_ms: number | string; points: number | string }>(
      'SELECT from_ms, points FROM model_trigger_window WHERE project = ? AND model = ? AND revision = ? AND from_ms >= ? AND from_ms < ?',
      [model.project, model.name, model.revision, fromMs, toMs],
    );
    return new Map(rows.map((r) => [Number(r.from_ms), Number(r.points)]));
  }

  /** Forgets a model's trigger state (all revisions), when the model is deleted. */
  async forget(project: string, model: string): Promise<void> {
    await this.sql.transaction(
      ['model_trigger_state', 'model_trigger_window'].map((table) => ({
        sql: `DELETE FROM ${table} WHERE project = ? AND model IN (${placeholders(1)})`,
        params: [project, model],
      })),
    );
  }
}
