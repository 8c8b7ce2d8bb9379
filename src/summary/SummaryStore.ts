import type { ModelRef } from '../domain/ModelDescription.js';
import type { Database } from '../persistence/Database.js';
import { SqlClient, type Statement } from '../persistence/sql/SqlClient.js';
import type { WindowStats } from './windowStats.js';

/** `model_summary_window`: each stored window's share of its model's summary. */
export class SummaryStore {
  private readonly sql: SqlClient;

  constructor(db: Database) {
    this.sql = new SqlClient(db, 'summary');
  }

  /** Records (or replaces, for a re-run) one window's stats. */
  async record(model: ModelRef & { revision: string }, stats: WindowStats, nowMs: number): Promise<void> {
    const { sql, params } = recordStatement(model, stats, nowMs);
    await this.sql.run(sql, params);
  }

  /** The stats of every stored window of one revision (one small row per window, never a prediction). */
  async windows(model: ModelRef & { revision: string }): Promise<WindowStats[]> {
    const rows = await this.sql.query<{ stats: string }>(
      'SELECT stats FROM model_summary_window WHERE project = ? AND model = ? AND revision = ?',
      [model.project, model.name, model.revision],
    );
    return rows.map((r) => JSON.parse(r.stats) as WindowStats);
  }

  /** The revisions with stored windows, newest update first. */
  async revisions(model: ModelRef): Promise<string[]> {
    const rows = await this.sql.query<{ revision: string }>(
      'SELECT revision, MAX(updated_at) AS at FROM model_summary_window WHERE project = ? AND model = ? GROUP BY revision ORDER BY at DESC',
      [model.project, model.name],
    );
    return rows.map((r) => r.revision);
  }
}

/** The statement `record` runs, for a caller that runs it in a transaction of its own with other writes. */
export function recordStatement(model: ModelRef & { revision: string }, stats: WindowStats, nowMs: number): Statement {
  return {
    sql:
      'INSERT INTO model_summary_window (project, model, revision, from_ms, stats, updated_at) VALUES (?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT (project, model, revision, from_ms) DO UPDATE SET stats = excluded.stats, updated_at = excluded.updated_at',
    params: [model.project, model.name, model.revision, stats.fromMs, JSON.stringify(stats), nowMs],
  };
}
