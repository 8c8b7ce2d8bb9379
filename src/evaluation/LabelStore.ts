import { randomUUID } from 'node:crypto';
import type { ModelRef } from '../domain/ModelDescription.js';
import type { Database } from '../persistence/Database.js';
import { SqlClient } from '../persistence/sql/SqlClient.js';
import type { LabelledInterval } from './scoreFlags.js';

export interface StoredLabel extends LabelledInterval {
  readonly id: string;
  readonly label: string;
}

/** `model_label`: the labelled intervals of each model (by name: labels outlive revisions). */
export class LabelStore {
  private readonly sql: SqlClient;

  constructor(db: Database) {
    this.sql = new SqlClient(db, 'labels');
  }

  /** Adds intervals in one transaction; returns them with their ids. */
  async add(model: ModelRef, labels: readonly LabelledInterval[], nowMs: number): Promise<StoredLabel[]> {
    const stored = labels.map((l) => ({ id: randomUUID(), fromMs: l.fromMs, toMs: l.toMs, label: l.label ?? 'anomaly' }));
    await this.sql.transaction(
      stored.map((l) => ({
        sql: 'INSERT INTO model_label (id, project, model, from_ms, to_ms, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        params: [l.id, model.project, model.name, l.fromMs, l.toMs, l.label, nowMs],
      })),
    );
    return stored;
  }

  async list(model: ModelRef): Promise<StoredLabel[]> {
    const rows = await this.sql.query<{ id: string; from_ms: number | string; to_ms: number | string; label: string }>(
      'SELECT id, from_ms, to_ms, label FROM model_label WHERE project = ? AND model = ? ORDER BY from_ms, id',
      [model.project, model.name],
    );
    return rows.map((r) => ({ id: r.id, fromMs: Number(r.from_ms), toMs: Number(r.to_ms), label: r.label }));
  }

  /** Removes every label of the model; returns how many there were. */
  async clear(model: ModelRef): Promise<number> {
    return this.sql.run('DELETE FROM model_label WHERE project = ? AND model = ?', [model.project, model.name]);
  }
}
