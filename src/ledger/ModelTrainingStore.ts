import type { ModelSummary } from '../domain/ModelDescription.js';
import type { Database } from '../persistence/Database.js';
import { SqlClient } from '../persistence/sql/SqlClient.js';
import type { Clock } from '../runtime/clock.js';

export type TrainingState = 'pending' | 'training' | 'ready' | 'failed';

/** How the training of one model revision went (`model_training`). */
export interface TrainingRecord {
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly state: TrainingState;
  /** Why training failed (too few rows, constant tags named). */
  readonly reason?: string;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly updatedAt: number;
}

type Row = {
  project: string;
  model: string;
  revision: string;
  state: string;
  reason: string | null;
  started_at: number | string | null;
  finished_at: number | string | null;
  updated_at: number | string;
};

const columns = 'project, model, revision, state, reason, started_at, finished_at, updated_at';
const upsert =
  `INSERT INTO model_training (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project, model, revision) DO UPDATE SET ` +
  'state = excluded.state, reason = excluded.reason, started_at = excluded.started_at, finished_at = excluded.finished_at, updated_at = excluded.updated_at';

/**
 * The training journal of defined models: a revision saved through the API or `latigo models define` is
 * `pending` until it is trained; the scheduler plans no window of a revision whose journal says anything but
 * `ready` (models the journal does not know, such as the demo's and gordo's, are not held back).
 */
export class ModelTrainingStore {
  private readonly sql: SqlClient;

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.sql = new SqlClient(db, 'model-training');
  }

  /** A new revision waits for training (a revision already in the journal keeps its state). */
  async pending(model: ModelSummary): Promise<void> {
    const now = this.clock();
    await this.sql.run(
      `INSERT INTO model_training (${columns}) VALUES (?, ?, ?, 'pending', NULL, NULL, NULL, ?) ON CONFLICT (project, model, revision) DO NOTHING`,
      [model.project, model.name, model.revision, now],
    );
  }

  async started(model: ModelSummary): Promise<void> {
    const now = this.clock();
    await this.sql.run(upsert, [model.project, model.name, model.revision, 'training', null, now, null, now]);
  }

  /** Training ended: `ready`, or `failed` with the reason. Keeps when it started. */
  async finished(model: ModelSummary, state: 'ready' | 'failed', reason?: string): Promise<void> {
    const now = this.clock();
    const started = (await this.get(model.project, model.name, model.revision))?.startedAt ?? now;
    await this.sql.run(upsert, [model.project, model.name, model.revision, state, reason ?? null, started, now, now]);
  }

  /** The journal entry of one revision, when there is one. */
  async get(project: string, model: string, revision: string): Promise<TrainingRecord | undefined> {
    const [row] = await this.sql.query<Row>(`SELECT ${columns} FROM model_training WHERE project = ? AND model = ? AND revision = ?`, [
      project,
      model,
      revision,
    ]);
    return row === undefined ? undefined : toRecord(row);
  }

  /** Every revision not (yet) trained: pending, training or failed. */
  async untrained(): Promise<TrainingRecord[]> {
    return (await this.sql.query<Row>(`SELECT ${columns} FROM model_training WHERE state <> 'ready'`, [])).map(toRecord);
  }

  /** Forgets a deleted model's journal (all revisions). */
  async forget(project: string, model: string): Promise<void> {
    await this.sql.run('DELETE FROM model_training WHERE project = ? AND model = ?', [project, model]);
  }
}

/** `project\0model\0revision`: how the scheduler matches listed revisions against the journal. */
export function trainingKey(m: { project: string; revision: string } & ({ name: string } | { model: string })): string {
  return `${m.project}\u0000${'name' in m ? m.name : m.model}\u0000${m.revision}`;
}

function toRecord(row: Row): TrainingRecord {
  return {
    project: row.project,
    model: row.model,
    revision: row.revision,
    state: row.state as TrainingState,
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.started_at === null ? {} : { startedAt: Number(row.started_at) }),
    ...(row.finished_at === null ? {} : { finishedAt: Number(row.finished_at) }),
    updatedAt: Number(row.updated_at),
  };
}
