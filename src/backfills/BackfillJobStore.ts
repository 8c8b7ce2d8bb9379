import type { TimeRange } from '../domain/TimeRange.js';
import type { Database } from '../persistence/dataSource.js';
import { SqlClient, type SqlParam } from '../persistence/sql/SqlClient.js';

/** pending (waiting for a scheduler) -> running <-> paused; running -> finished | failed; any active -> cancelled. */
export const backfillStates = ['pending', 'running', 'paused', 'finished', 'cancelled', 'failed'] as const;
export type BackfillState = (typeof backfillStates)[number];
/** States in which a job still owns its range: a second job over it is refused (409). */
export const activeBackfillStates: readonly BackfillState[] = ['pending', 'running', 'paused'];

/** A backfill job as stored in `backfill_job`. */
export interface BackfillJob {
  id: string;
  fromMs: number;
  toMs: number;
  /** "project/model" or model-name selectors; undefined for every model. */
  models?: string[];
  state: BackfillState;
  /** Most windows sent per minute; undefined for no limit beyond the executor share. */
  windowsPerMinute?: number;
  /** Share (0, 1] of the live executors' concurrency backfill windows may hold; undefined: the configured default. */
  executorShare?: number;
  /** Windows of the range for the selected models; 0 until the job has started. */
  total: number;
  /** Windows compared with the ledger and sent (or found recorded). */
  planned: number;
  /** Windows of the range finished in the ledger (succeeded, insufficient data or dead). */
  finished: number;
  finishedAtStart?: number;
  covering?: TimeRange;
  owner?: string;
  leaseUntil?: number;
  error?: string;
  requestedBy: string;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  endedAt?: number;
}

export type NewBackfillJob = Pick<BackfillJob, 'id' | 'fromMs' | 'toMs' | 'models' | 'windowsPerMinute' | 'executorShare' | 'requestedBy'>;

type Int = number | string;
interface JobRow {
  id: string;
  from_ms: Int;
  to_ms: Int;
  models: string | null;
  state: string;
  windows_per_minute: Int | null;
  executor_share: number | string | null;
  total: Int;
  planned: Int;
  finished: Int;
  finished_at_start: Int | null;
  covering_from_ms: Int | null;
  covering_to_ms: Int | null;
  owner: string | null;
  lease_until: Int | null;
  error: string | null;
  requested_by: string;
  created_at: Int;
  updated_at: Int;
  started_at: Int | null;
  ended_at: Int | null;
}

const ACTIVE = activeBackfillStates.map((s) => `'${s}'`).join(', ');
const num = (v: Int | null): number | undefined => (v === null ? undefined : Number(v));

/**
 * The `backfill_job` table: jobs written by the API or `latigo backfill`, claimed and run by one scheduler
 * at a time (owner + lease, so a scheduler killed mid-job is replaced once its lease runs out, or at once
 * when it restarts under the same name), steered by pause/resume/cancel/rate updates it reads as it goes.
 */
export class BackfillJobStore {
  private readonly sql: SqlClient;

  constructor(
    db: Database,
    private readonly clock: () => number,
  ) {
    this.sql = new SqlClient(db, 'backfill jobs');
  }

  /**
   * Inserts the job unless an active job overlaps it (their ranges intersect and their model selections share a
   * model, or either selects every model); returns that job instead, as `{ conflict }`. Two requests racing
   * for the same range: each inserts, then looks again, and the later one withdraws.
   */
  async create(job: NewBackfillJob): Promise<{ created: BackfillJob } | { conflict: BackfillJob }> {
    const now = this.clock();
    const models = job.models === undefined || job.models.length === 0 ? null : JSON.stringify([...job.models].sort());
    const before = (await this.overlapping(job.fromMs, job.toMs, job.models))[0];
    if (before !== undefined) return { conflict: before };
    await this.sql.run(
      `INSERT INTO backfill_job (id, from_ms, to_ms, models, state, windows_per_minute, executor_share, total, planned, finished,
         requested_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, 0, 0, 0, ?, ?, ?)`,
      [job.id, job.fromMs, job.toMs, models, job.windowsPerMinute ?? null, job.executorShare ?? null, job.requestedBy, now, now],
    );
    const earlier = (await this.overlapping(job.fromMs, job.toMs, job.models)).find(
      (other) => other.id !== job.id && (other.createdAt < now || (other.createdAt === now && other.id < job.id)),
    );
    if (earlier !== undefined) {
      await this.sql.run(`DELETE FROM backfill_job WHERE id = ?`, [job.id]);
      return { conflict: earlier };
    }
    return { created: (await this.get(job.id))! };
  }

  /**
   * Active jobs whose range and model selection overlap the given ones and that are still queueing windows. A
   * job that has queued all of its windows only waits for executors: another job over the same windows finds
   * them in the ledger ("already recorded") and queues only the rest, so it is no conflict.
   */
  async overlapping(fromMs: number, toMs: number, models: readonly string[] | undefined): Promise<BackfillJob[]> {
    const rows = await this.sql.query<JobRow>(
      `SELECT * FROM backfill_job
       WHERE state IN (${ACTIVE}) AND NOT (total > 0 AND planned >= total) AND from_ms < ? AND to_ms > ? ORDER BY created_at`,
      [toMs, fromMs],
    );
    const wanted = models === undefined || models.length === 0 ? undefined : new Set(models.map(modelName));
    return rows
      .map(rowToJob)
      .filter((j) => wanted === undefined || j.models === undefined || j.models.some((m) => wanted.has(modelName(m))));
  }

  async get(id: string): Promise<BackfillJob | undefined> {
    const rows = await this.sql.query<JobRow>(`SELECT * FROM backfill_job WHERE id = ?`, [id]);
    return rows[0] === undefined ? undefined : rowToJob(rows[0]);
  }

  /** Newest first, `limit` of them after the cursor position (created_at, id). */
  async list(limit: number, options: { states?: readonly BackfillState[]; after?: [number, string] } = {}): Promise<BackfillJob[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (options.states !== undefined && options.states.length > 0) {
      where.push(`state IN (${options.states.map(() => '?').join(', ')})`);
      params.push(...options.states);
    }
    if (options.after !== undefined) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(options.after[0], options.after[0], options.after[1]);
    }
    const rows = await this.sql.query<JobRow>(
      `SELECT * FROM backfill_job ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(rowToJob);
  }

  /**
   * Claims the oldest runnable job (pending or running, unowned, owned by `owner` already, or with a lapsed
   * lease) for `owner` until now + `leaseMs`. Undefined when there is none.
   */
  async claim(owner: string, leaseMs: number, onlyId?: string): Promise<BackfillJob | undefined> {
    const now = this.clock();
    const candidates = await this.sql.query<{ id: string }>(
      `SELECT id FROM backfill_job WHERE state IN ('pending', 'running') AND (owner IS NULL OR owner = ? OR lease_until < ?)
       ${onlyId === undefined ? '' : 'AND id = ?'} ORDER BY created_at LIMIT 5`,
      onlyId === undefined ? [owner, now] : [owner, now, onlyId],
    );
    for (const { id } of candidates) {
      const claimed = await this.sql.run(
        `UPDATE backfill_job SET owner = ?, lease_until = ?, state = 'running', updated_at = ?, started_at = COALESCE(started_at, ?)
         WHERE id = ? AND state IN ('pending', 'running') AND (owner IS NULL OR owner = ? OR lease_until < ?)`,
        [owner, now + leaseMs, now, now, id, owner, now],
      );
      if (claimed > 0) return this.get(id);
    }
    return undefined;
  }

  /** Renews `owner`'s claim and returns the job as it is now (its state and rate may have been changed). */
  async renew(id: string, owner: string, leaseMs: number): Promise<BackfillJob | undefined> {
    await this.sql.run(`UPDATE backfill_job SET lease_until = ? WHERE id = ? AND owner = ?`, [this.clock() + leaseMs, id, owner]);
    const job = await this.get(id);
    return job?.owner === owner ? job : undefined;
  }

  /** Gives up the claim without changing the state: another scheduler (or this one, later) resumes the job. */
  async release(id: string, owner: string): Promise<void> {
    await this.sql.run(`UPDATE backfill_job SET owner = NULL, lease_until = NULL WHERE id = ? AND owner = ?`, [id, owner]);
  }

  /** Records how far the job got: windows in all, planned and finished; the span covered once known. */
  async progress(
    id: string,
    progress: { total?: number; planned?: number; finished?: number; covering?: TimeRange; finishedAtStart?: number },
  ): Promise<void> {
    const sets: string[] = ['updated_at = ?'];
    const params: SqlParam[] = [this.clock()];
    const set = (column: string, value: number | undefined) => {
      if (value === undefined) return;
      sets.push(`${column} = ?`);
      params.push(value);
    };
    set('total', progress.total);
    set('planned', progress.planned);
    set('finished', progress.finished);
    set('covering_from_ms', progress.covering?.fromMs);
    set('covering_to_ms', progress.covering?.toMs);
    if (progress.finishedAtStart !== undefined) {
      sets.push('finished_at_start = COALESCE(finished_at_start, ?)');
      params.push(progress.finishedAtStart);
    }
    await this.sql.run(`UPDATE backfill_job SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }

  /** Ends the job (finished or failed) if it is still active; releases the claim. */
  async end(id: string, state: 'finished' | 'failed', error?: string): Promise<void> {
    const now = this.clock();
    await this.sql.run(
      `UPDATE backfill_job SET state = ?, error = ?, ended_at = ?, updated_at = ?, owner = NULL, lease_until = NULL
       WHERE id = ? AND state IN (${ACTIVE})`,
      [state, error ?? null, now, now, id],
    );
  }

  /**
   * An operator's change: pause (running or pending -> paused), resume (paused -> pending, for a scheduler to
   * claim), cancel, a new rate or share. Returns the job after the change, or `{ refused }` naming why.
   */
  async update(
    id: string,
    change: { state?: 'paused' | 'running' | 'cancelled'; windowsPerMinute?: number | null; executorShare?: number | null },
  ): Promise<BackfillJob | { refused: string } | undefined> {
    const job = await this.get(id);
    if (job === undefined) return undefined;
    if (!activeBackfillStates.includes(job.state)) return { refused: `the backfill is already ${job.state}` };
    const now = this.clock();
    const sets: string[] = ['updated_at = ?'];
    const params: SqlParam[] = [now];
    if (change.state === 'paused' && job.state !== 'paused') sets.push(`state = 'paused'`);
    // Resumed jobs wait as pending until a scheduler claims them again (the claim turns them running).
    if (change.state === 'running' && job.state === 'paused') sets.push(`state = 'pending'`);
    if (change.state === 'cancelled') {
      sets.push(`state = 'cancelled'`, 'ended_at = ?');
      params.push(now);
    }
    if (change.windowsPerMinute !== undefined) {
      sets.push('windows_per_minute = ?');
      params.push(change.windowsPerMinute);
    }
    if (change.executorShare !== undefined) {
      sets.push('executor_share = ?');
      params.push(change.executorShare);
    }
    // Guarded by the state read above: a job that ended meanwhile is left as it ended.
    const updated = await this.sql.run(`UPDATE backfill_job SET ${sets.join(', ')} WHERE id = ? AND state IN (${ACTIVE})`, [...params, id]);
    if (updated === 0) return { refused: 'the backfill ended meanwhile' };
    return this.get(id);
  }
}

/** The model name of a "project/model" selector (or the selector itself when it names no project). */
export function modelName(selector: string): string {
  return selector.slice(selector.lastIndexOf('/') + 1);
}

function rowToJob(r: JobRow): BackfillJob {
  const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
    value === undefined ? {} : ({ [key]: value } as Record<K, V>);
  const coveringFrom = num(r.covering_from_ms);
  const coveringTo = num(r.covering_to_ms);
  return {
    id: r.id,
    fromMs: Number(r.from_ms),
    toMs: Number(r.to_ms),
    ...optional('models', r.models === null ? undefined : (JSON.parse(r.models) as string[])),
    state: r.state as BackfillState,
    ...optional('windowsPerMinute', num(r.windows_per_minute)),
    ...optional('executorShare', r.executor_share === null ? undefined : Number(r.executor_share)),
    total: Number(r.total),
    planned: Number(r.planned),
    finished: Number(r.finished),
    ...optional('finishedAtStart', num(r.finished_at_start)),
    ...(coveringFrom === undefined || coveringTo === undefined ? {} : { covering: { fromMs: coveringFrom, toMs: coveringTo } }),
    ...optional('owner', r.owner ?? undefined),
    ...optional('leaseUntil', num(r.lease_until)),
    ...optional('error', r.error ?? undefined),
    requestedBy: r.requested_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    ...optional('startedAt', num(r.started_at)),
    ...optional('endedAt', num(r.ended_at)),
  };
}
