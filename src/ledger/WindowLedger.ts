import type { PredictionTask } from '../domain/Task.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { Database } from '../persistence/dataSource.js';
import { SqlClient, type SqlParam, type Statement } from '../persistence/sql/SqlClient.js';
import type { Clock } from '../runtime/clock.js';
import { chunk, placeholders, rowToTask, rowToWindowRecord, rowToRun, toCount, type WindowRow, type RunRow } from './windowRows.js';
import {
  finishedStates, windowStates,
  type LedgerCounts, type RecordedWindow, type TaskRunRecord, type WindowOrigin, type WindowOutcome, type WindowRecord, type WindowState,
} from './windowTypes.js';

export type { LedgerCounts, RecordedWindow, TaskRunRecord, WindowOrigin, WindowOutcome, WindowRecord, WindowState } from './windowTypes.js';

// Rows per multi-row INSERT: 8 parameters each keeps a chunk far below SQLite's 32,766-parameter limit.
const INSERT_CHUNK = 1000;
// Values per IN (...) list, for the same reason and to keep plans index-driven.
const IN_CHUNK = 500;
const FINISHED = finishedStates.map((s) => `'${s}'`).join(', ');

/**
 * The window ledger: the truth about every (project, model, revision, window) (ARCHITECTURE invariant 2).
 * The scheduler records windows here before it sends them; executors mark them running and finished.
 *
 * Every method is a handful of single statements, each atomic on its own; the order of the two statements
 * in `finish` is chosen so a crash between them loses nothing (see there).
 *
 * All SQL of the ledger lives in this class, written once for SQLite and PostgreSQL (`ON CONFLICT`,
 * `RETURNING`, `?` placeholders) and run through SqlClient, the SQL path the embedded providers share:
 * it numbers the placeholders for PostgreSQL, reports rows alike on both, and on PostgreSQL runs each
 * statement on a pooled connection that is discarded if it broke (a restarted server).
 */
export class WindowLedger {
  private readonly sql: SqlClient;

  constructor(db: Database, private readonly clock: Clock) {
    this.sql = new SqlClient(db, 'ledger');
  }

  /** Insert-if-absent on task_id (state 'queued', enqueued_at NULL). Returns the tasks that were new.
   *  Chunked; each chunk is one INSERT statement, hence one transaction. */
  async recordNew(tasks: readonly PredictionTask[], origin: WindowOrigin): Promise<PredictionTask[]> {
    const now = this.clock();
    const inserted = new Set<string>();
    for (const part of chunk(tasks, INSERT_CHUNK)) {
      const params: SqlParam[] = [];
      for (const t of part) params.push(t.id, t.project, t.model, t.revision, t.window.fromMs, t.window.toMs, origin, now);
      // No conflict target: the task id and the window key are both unique and always conflict together.
      const rows = await this.sql.query<{ task_id: string }>(
        `INSERT INTO prediction_window (task_id, project, model, revision, from_ms, to_ms, state, origin, attempts, created_at)
         VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, 'queued', ?, 0, ?)").join(', ')}
         ON CONFLICT DO NOTHING RETURNING task_id`, params);
      for (const row of rows) inserted.add(row.task_id);
    }
    return tasks.filter((t) => inserted.has(t.id));
  }

  /** Sets enqueued_at once the queue accepted the windows (only the first time). */
  async markEnqueued(taskIds: readonly string[]): Promise<void> {
    const now = this.clock();
    for (const part of chunk(taskIds, IN_CHUNK)) {
      await this.sql.run(
        `UPDATE prediction_window SET enqueued_at = ? WHERE task_id IN (${placeholders(part.length)}) AND enqueued_at IS NULL`,
        [now, ...part]);
    }
  }

  /** Windows recorded but never accepted by the queue (a crash or a failed send between insert and
   *  send), oldest first: resend these. */
  async unsent(limit: number): Promise<PredictionTask[]> {
    const rows = await this.sql.query<WindowRow>(
      `SELECT task_id, project, model, revision, from_ms, to_ms FROM prediction_window
       WHERE state = 'queued' AND enqueued_at IS NULL ORDER BY created_at, task_id LIMIT ?`, [limit]);
    return rows.map(rowToTask);
  }

  /** from_ms of the windows recorded for one model revision with from_ms in [range.fromMs, range.toMs). */
  async recordedWindowStarts(project: string, model: string, revision: string, range: TimeRange): Promise<Set<number>> {
    const rows = await this.sql.query<{ from_ms: number | string }>(
      `SELECT from_ms FROM prediction_window
       WHERE project = ? AND model = ? AND revision = ? AND from_ms >= ? AND from_ms < ?`,
      [project, model, revision, range.fromMs, range.toMs]);
    return new Set(rows.map((r) => Number(r.from_ms)));
  }

  /**
   * Every recorded window (any revision) of `models` in `project` whose to_ms lies in [range.fromMs, range.toMs).
   * The scheduler's batch lookup: one indexed query per few hundred models instead of one per model.
   */
  async windowsEndingIn(project: string, models: readonly string[], range: TimeRange): Promise<RecordedWindow[]> {
    const found: RecordedWindow[] = [];
    for (const part of chunk(models, IN_CHUNK)) {
      // task_id is selected although unused: without it the window-key index covers the query and SQLite
      // prefers it, reading every window the model ever had instead of a to_ms range of (project, model, to_ms).
      const rows = await this.sql.query<WindowRow>(
        `SELECT task_id, model, revision, from_ms, to_ms FROM prediction_window
         WHERE project = ? AND model IN (${placeholders(part.length)}) AND to_ms >= ? AND to_ms < ?`,
        [project, ...part, range.fromMs, range.toMs]);
      for (const r of rows) found.push({ model: r.model, revision: r.revision, fromMs: Number(r.from_ms), toMs: Number(r.to_ms) });
    }
    return found;
  }

  /** Windows still waiting for an executor (state 'queued'), optionally of one origin; paces backfill. */
  async queuedCount(origin?: WindowOrigin): Promise<number> {
    const rows = origin === undefined
      ? await this.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM prediction_window WHERE state = 'queued'`, [])
      : await this.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM prediction_window WHERE state = 'queued' AND origin = ?`, [origin]);
    return toCount(rows[0]?.n);
  }

  async get(taskId: string): Promise<WindowRecord | undefined> {
    const rows = await this.sql.query<WindowRow>(`SELECT * FROM prediction_window WHERE task_id = ?`, [taskId]);
    return rows[0] === undefined ? undefined : rowToWindowRecord(rows[0]);
  }

  /** The run history of one window, oldest attempt first. */
  async runs(taskId: string): Promise<TaskRunRecord[]> {
    const rows = await this.sql.query<RunRow>(`SELECT * FROM task_run WHERE task_id = ? ORDER BY id`, [taskId]);
    return rows.map(rowToRun);
  }

  /**
   * Executor, before work: marks the window running and counts the attempt. Returns `{ proceed: false, state }`
   * when it already finished (succeeded | insufficient_data | dead): the executor then acks without work
   * (invariant 3). A window the ledger does not know (e.g. sent by another scheduler) is inserted as running
   * with origin 'schedule'. A window another executor holds ('running') proceeds: its lease expired.
   * `executor` is recorded per attempt in task_run by `finish`.
   */
  async begin(task: PredictionTask, executor: string): Promise<{ proceed: true } | { proceed: false; state: WindowState }> {
    const now = this.clock();
    if (await this.markRunning(task.id, now)) return { proceed: true };
    const inserted = await this.sql.query(
      `INSERT INTO prediction_window (task_id, project, model, revision, from_ms, to_ms, state, origin, attempts, created_at, started_at)
       VALUES (?, ?, ?, ?, ?, ?, 'running', 'schedule', 1, ?, ?) ON CONFLICT DO NOTHING RETURNING task_id`,
      [task.id, task.project, task.model, task.revision, task.window.fromMs, task.window.toMs, now, now]);
    if (inserted.length > 0) return { proceed: true };
    // Lost a race with the insert of another process: the row exists now.
    if (await this.markRunning(task.id, now)) return { proceed: true };
    // Both updates missed: the window finished (a vanished row, which nothing deletes, is left to the work).
    const record = await this.get(task.id);
    return record === undefined ? { proceed: true } : { proceed: false, state: record.state };
  }

  /**
   * Executor, after work: inserts the task_run row and records the outcome on the window, in one
   * transaction, so a crash (kill -9, a database restart) never leaves a successful run on a window still
   * marked 'running': the redelivered task would run again and the window would show two successful runs.
   *
   * A finished window (succeeded | insufficient_data | dead) is never overwritten by a later outcome of a
   * duplicate delivery, except by 'succeeded': predictions stored by any delivery make the window succeeded.
   * With `run.leaseLost` (the queue refused to settle the delivery: another delivery holds the window now)
   * only the run history records the attempt; the window's state is left to the delivery that holds it.
   */
  async finish(task: PredictionTask, outcome: WindowOutcome, run: { executor: string; startedAt: number; leaseLost?: boolean }): Promise<void> {
    const now = this.clock();
    const errorClass = outcome.errorClass ?? null;
    const errorMessage = outcome.errorMessage ?? null;
    const rowsWritten = outcome.rowsWritten ?? null;
    const recordRun: Statement = {
      sql: `INSERT INTO task_run (task_id, attempt, executor, started_at, finished_at, status, error_class, error_message, rows_written)
       VALUES (?, COALESCE((SELECT attempts FROM prediction_window WHERE task_id = ?), ?), ?, ?, ?, ?, ?, ?, ?)`,
      params: [task.id, task.id, task.attempt, run.executor, run.startedAt, now, outcome.state, errorClass, errorMessage, rowsWritten],
    };
    if (run.leaseLost === true) {
      await this.sql.transaction([recordRun]);
      return;
    }
    await this.sql.transaction([recordRun, {
      sql: `UPDATE prediction_window
       SET state = ?, finished_at = ?, error_class = ?, error_message = ?, rows_written = ?, quality = ?
       WHERE task_id = ? AND (state NOT IN (${FINISHED}) OR ? = 'succeeded')`,
      params: [outcome.state, now, errorClass, errorMessage, rowsWritten,
        outcome.quality === undefined ? null : JSON.stringify(outcome.quality), task.id, outcome.state],
    }]);
  }

  /** For `latigo status`: windows by state, and failed/dead windows by error class. */
  async counts(): Promise<LedgerCounts> {
    const byState = Object.fromEntries(windowStates.map((s) => [s, 0])) as Record<WindowState, number>;
    const stateRows = await this.sql.query<{ state: WindowState; n: number | string }>(
      `SELECT state, COUNT(*) AS n FROM prediction_window GROUP BY state`, []);
    for (const r of stateRows) byState[r.state] = toCount(r.n);
    const byErrorClass: Record<string, number> = {};
    const classRows = await this.sql.query<{ error_class: string; n: number | string }>(
      `SELECT error_class, COUNT(*) AS n FROM prediction_window
       WHERE state IN ('failed', 'dead') AND error_class IS NOT NULL GROUP BY error_class`, []);
    for (const r of classRows) byErrorClass[r.error_class] = toCount(r.n);
    return { byState, byErrorClass };
  }

  /** When the longest-waiting window still 'queued' was sent (epoch ms), or undefined when none waits: the queue's lag, for metrics. */
  async oldestQueuedSentAt(): Promise<number | undefined> {
    const rows = await this.sql.query<{ sent_at: number | string | null }>(
      `SELECT MIN(enqueued_at) AS sent_at FROM prediction_window WHERE state = 'queued' AND enqueued_at IS NOT NULL`, []);
    const sentAt = rows[0]?.sent_at;
    return sentAt === null || sentAt === undefined ? undefined : Number(sentAt);
  }

  /** Remembers the newest tick a scheduler pass handled, for `status` and logs only: the ledger decides what runs. */
  async noteSchedulerTick(scheduleName: string, tickMs: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO scheduler_state (name, last_tick_ms, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET last_tick_ms = excluded.last_tick_ms, updated_at = excluded.updated_at`,
      [scheduleName, tickMs, this.clock()]);
  }

  async schedulerState(scheduleName: string): Promise<{ lastTickMs?: number; updatedAt: number } | undefined> {
    const rows = await this.sql.query<{ last_tick_ms: number | string | null; updated_at: number | string }>(
      `SELECT last_tick_ms, updated_at FROM scheduler_state WHERE name = ?`, [scheduleName]);
    const row = rows[0];
    if (row === undefined) return undefined;
    return { ...(row.last_tick_ms === null ? {} : { lastTickMs: Number(row.last_tick_ms) }), updatedAt: Number(row.updated_at) };
  }

  private async markRunning(taskId: string, now: number): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE prediction_window SET state = 'running', attempts = attempts + 1, started_at = ?
       WHERE task_id = ? AND state NOT IN (${FINISHED}) RETURNING task_id`, [now, taskId]);
    return rows.length > 0;
  }
}
