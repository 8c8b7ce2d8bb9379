import type { Database } from '../persistence/dataSource.js';
import { SqlClient } from '../persistence/sql/SqlClient.js';

/** An on-demand run as recorded: its windows are the ledger rows of the revision inside [fromMs, toMs). */
export interface RunRecord {
  id: string;
  project: string;
  model: string;
  revision: string;
  fromMs: number;
  toMs: number;
  rerun: boolean;
  /** Windows of the range. */
  windows: number;
  /** Windows sent to the queue by this run (new, or made runnable again). */
  queued: number;
  meta?: unknown;
  /** A `result` output (issue 19) the run's outcome is delivered to once it finished. */
  outputId?: string;
  requestedBy: string;
  createdAt: number;
}

type Int = number | string;
interface RunRow {
  id: string;
  project: string;
  model: string;
  revision: string;
  from_ms: Int;
  to_ms: Int;
  rerun: number | boolean;
  windows: Int;
  queued: Int;
  meta: string | null;
  output_id: string | null;
  requested_by: string;
  created_at: Int;
}

/** The `run` table. */
export class RunStore {
  private readonly sql: SqlClient;

  constructor(db: Database) {
    this.sql = new SqlClient(db, 'runs');
  }

  async insert(run: RunRecord): Promise<void> {
    await this.sql.run(
      `INSERT INTO run (id, project, model, revision, from_ms, to_ms, rerun, windows, queued, meta, output_id, requested_by, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        run.id,
        run.project,
        run.model,
        run.revision,
        run.fromMs,
        run.toMs,
        run.rerun,
        run.windows,
        run.queued,
        run.meta === undefined ? null : JSON.stringify(run.meta),
        run.outputId ?? null,
        run.requestedBy,
        run.createdAt,
      ],
    );
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const rows = await this.sql.query<RunRow>(`SELECT * FROM run WHERE id = ?`, [id]);
    return rows[0] === undefined ? undefined : toRun(rows[0]);
  }

  /** Runs naming a result output whose delivery was not written yet, oldest first. */
  async awaitingResult(limit: number): Promise<RunRecord[]> {
    const rows = await this.sql.query<RunRow>(
      `SELECT * FROM run WHERE output_id IS NOT NULL AND result_routed_at IS NULL ORDER BY created_at, id LIMIT ?`,
      [limit],
    );
    return rows.map(toRun);
  }

  /** The run's result delivery was written (or its output is gone): it is no longer awaited. */
  async markResultRouted(id: string, now: number): Promise<void> {
    await this.sql.run(`UPDATE run SET result_routed_at = ? WHERE id = ? AND result_routed_at IS NULL`, [now, id]);
  }
}

function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    project: r.project,
    model: r.model,
    revision: r.revision,
    fromMs: Number(r.from_ms),
    toMs: Number(r.to_ms),
    rerun: Boolean(r.rerun),
    windows: Number(r.windows),
    queued: Number(r.queued),
    ...(r.meta === null ? {} : { meta: JSON.parse(r.meta) as unknown }),
    ...(r.output_id === null ? {} : { outputId: r.output_id }),
    requestedBy: r.requested_by,
    createdAt: Number(r.created_at),
  };
}
