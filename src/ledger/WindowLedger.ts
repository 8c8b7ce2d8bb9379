import type { PredictionTask } from '../domain/Task.js';
import type { TimeRange } from '../domain/TimeRange.js';
import { EventOutbox, type AppendGuard } from '../events/EventOutbox.js';
import type { NewEvent } from '../events/eventTypes.js';
import { predictionEvents, windowEvent } from '../events/windowEvents.js';
import type { Database } from '../persistence/Database.js';
import { SqlClient, type SqlParam, type Statement } from '../persistence/sql/SqlClient.js';
import type { Clock } from '../runtime/clock.js';
import { chunk, placeholders, rowToTask, rowToWindowRecord, rowToRun, toCount, type WindowRow, type RunRow } from './windowRows.js';
import {
  finishedStates,
  windowStates,
  type BeginResult,
  type LedgerCounts,
  type ModelFreshness,
  type RecordedWindow,
  type TaskRunRecord,
  type WindowFilter,
  type WindowOrigin,
  type WindowOutcome,
  type WindowPosition,
  type WindowRecord,
  type WindowState,
} from './windowTypes.js';

export type {
  BeginResult,
  LedgerCounts,
  ModelFreshness,
  RecordedWindow,
  TaskRunRecord,
  WindowFilter,
  WindowOrigin,
  WindowOutcome,
  WindowPosition,
  WindowRecord,
  WindowState,
} from './windowTypes.js';

// Rows per multi-row INSERT: 8 parameters each keeps a chunk far below SQLite's 32,766-parameter limit.
const INSERT_CHUNK = 1000;
// Values per IN (...) list, for the same reason and to keep plans index-driven.
const IN_CHUNK = 500;
const FINISHED = finishedStates.map((s) => `'${s}'`).join(', ');
/** How long a `begin` without a lease of its own fences the window: the executor's default task timeout plus margin. */
const DEFAULT_LEASE_MS = 60_000;

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
  /** Every state change appends its `window` event (and a success its prediction and anomaly events) in its own transaction (invariant 9). */
  private readonly events: EventOutbox;
  private readonly dialect: Database['dialect'];

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.sql = new SqlClient(db, 'ledger');
    this.events = new EventOutbox(db, clock);
    this.dialect = db.dialect;
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
      const insert: Statement = {
        sql: `INSERT INTO prediction_window (task_id, project, model, revision, from_ms, to_ms, state, origin, attempts, created_at)
         VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, 'queued', ?, 0, ?)").join(', ')}
         ON CONFLICT DO NOTHING RETURNING task_id`,
        params,
      };
      const events = part.map((t) => windowEvent(t, 'queued', { origin }));
      const ids = part.map((t) => t.id);
      // The `queued` events go only to the windows this INSERT creates. SQLite (one writer at a time): the
      // windows absent just before it. PostgreSQL: the rows this transaction inserted (their xmin is its id),
      // with the append after the INSERT, as every append comes last (see EventOutbox.appendStatements).
      const statements =
        this.dialect === 'postgres'
          ? [insert, ...this.events.appendStatements(events, windowIs('w.xmin::text = (txid_current() % 4294967296)::text', [], ids))]
          : [...this.events.appendStatements(events, windowIs('TRUE', [], ids, 'absent')), insert];
      const results = await this.sql.transaction(statements);
      const rows = (results[statements.indexOf(insert)]?.rows ?? []) as { task_id: string }[];
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
        [now, ...part],
      );
    }
  }

  /** Windows recorded but never accepted by the queue (a crash or a failed send between insert and
   *  send), oldest first: resend these. */
  async unsent(limit: number): Promise<PredictionTask[]> {
    const rows = await this.sql.query<WindowRow>(
      `SELECT task_id, project, model, revision, from_ms, to_ms FROM prediction_window
       WHERE state = 'queued' AND enqueued_at IS NULL ORDER BY created_at, task_id LIMIT ?`,
      [limit],
    );
    return rows.map(rowToTask);
  }

  /** from_ms of the windows recorded for one model revision with from_ms in [range.fromMs, range.toMs). */
  async recordedWindowStarts(project: string, model: string, revision: string, range: TimeRange): Promise<Set<number>> {
    const rows = await this.sql.query<{ from_ms: number | string }>(
      `SELECT from_ms FROM prediction_window
       WHERE project = ? AND model = ? AND revision = ? AND from_ms >= ? AND from_ms < ?`,
      [project, model, revision, range.fromMs, range.toMs],
    );
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
        [project, ...part, range.fromMs, range.toMs],
      );
      for (const r of rows) found.push({ model: r.model, revision: r.revision, fromMs: Number(r.from_ms), toMs: Number(r.to_ms) });
    }
    return found;
  }

  /** Windows still waiting for an executor (state 'queued'), optionally of one origin; paces backfill. */
  async queuedCount(origin?: WindowOrigin): Promise<number> {
    const rows =
      origin === undefined
        ? await this.sql.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM prediction_window WHERE state = 'queued'`, [])
        : await this.sql.query<{ n: number | string }>(
            `SELECT COUNT(*) AS n FROM prediction_window WHERE state = 'queued' AND origin = ?`,
            [origin],
          );
    return toCount(rows[0]?.n);
  }

  /** Windows of `origin` queued or running: what a backfill holds of the executors' capacity. */
  async heldCount(origin: WindowOrigin): Promise<number> {
    const rows = await this.sql.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM prediction_window WHERE state IN ('queued', 'running') AND origin = ?`,
      [origin],
    );
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
   * Executor, before work: claims the window for `executor` until now + `leaseMs` (its task deadline), marks
   * it running and counts the attempt. Refused (`proceed: false`) when the window already finished
   * (succeeded | insufficient_data | dead: the executor acks without work, invariant 3), and when it is
   * running under another live claim (`state: 'running'` with that claim's runner and expiry): this
   * delivery is a duplicate of one still at work (a lease that expired in the queue but not in the run, an
   * Event Hubs partition handed over with events in flight). One UPDATE decides, so of two deliveries
   * racing for a window exactly one proceeds, on SQLite and PostgreSQL alike. A claim that expired (its
   * runner crashed or overran its deadline) does not fence: the window runs again.
   * A window the ledger does not know (e.g. sent by another scheduler) is inserted as running with origin 'schedule'.
   */
  async begin(task: PredictionTask, executor: string, options: { leaseMs?: number } = {}): Promise<BeginResult> {
    const now = this.clock();
    const leaseExpiresAt = now + (options.leaseMs ?? DEFAULT_LEASE_MS);
    if (await this.markRunning(task, executor, now, leaseExpiresAt)) return { proceed: true };
    const [inserted] = await this.sql.transaction([
      {
        sql: `INSERT INTO prediction_window (task_id, project, model, revision, from_ms, to_ms, state, origin, attempts, created_at, started_at, runner, lease_expires_at)
       VALUES (?, ?, ?, ?, ?, ?, 'running', 'schedule', 1, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING task_id`,
        params: [
          task.id,
          task.project,
          task.model,
          task.revision,
          task.window.fromMs,
          task.window.toMs,
          now,
          now,
          executor,
          leaseExpiresAt,
        ],
      },
      ...this.runningEvent(task, executor, now, leaseExpiresAt),
    ]);
    if ((inserted?.rows.length ?? 0) > 0) return { proceed: true };
    // Lost a race with the insert of another process: the row exists now.
    if (await this.markRunning(task, executor, now, leaseExpiresAt)) return { proceed: true };
    // Both updates missed: the window finished, or another runner holds a live claim on it
    // (a vanished row, which only retention deletes, is left to the work).
    const record = await this.get(task.id);
    if (record === undefined) return { proceed: true };
    if (record.state !== 'running') return { proceed: false, state: record.state };
    return {
      proceed: false,
      state: 'running',
      ...(record.runner === undefined ? {} : { runner: record.runner }),
      ...(record.leaseExpiresAt === undefined ? {} : { leaseExpiresAt: record.leaseExpiresAt }),
    };
  }

  /**
   * Executor, abandoning a window it began without an outcome (shutdown released the delivery): ends its
   * claim so the redelivery runs at once instead of waiting out the claim. The window stays 'running'.
   */
  async endClaim(task: PredictionTask, executor: string): Promise<void> {
    await this.sql.run(`UPDATE prediction_window SET lease_expires_at = NULL WHERE task_id = ? AND state = 'running' AND runner = ?`, [
      task.id,
      executor,
    ]);
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
  async finish(
    task: PredictionTask,
    outcome: WindowOutcome,
    run: { executor: string; startedAt: number; attempt?: number; leaseLost?: boolean },
  ): Promise<void> {
    const now = this.clock();
    const errorClass = outcome.errorClass ?? null;
    const errorMessage = outcome.errorMessage ?? null;
    const rowsWritten = outcome.rowsWritten ?? null;
    const recordRun: Statement = {
      sql: `INSERT INTO task_run (task_id, attempt, executor, started_at, finished_at, status, error_class, error_message, rows_written)
       VALUES (?, COALESCE((SELECT attempts FROM prediction_window WHERE task_id = ?), ?), ?, ?, ?, ?, ?, ?, ?)`,
      params: [task.id, task.id, run.attempt ?? 1, run.executor, run.startedAt, now, outcome.state, errorClass, errorMessage, rowsWritten],
    };
    if (run.leaseLost === true) {
      await this.sql.transaction([recordRun]);
      return;
    }
    const events: NewEvent[] = [
      windowEvent(task, outcome.state, {
        executor: run.executor,
        ...(outcome.errorClass === undefined ? {} : { errorClass: outcome.errorClass }),
        ...(outcome.errorMessage === undefined ? {} : { errorMessage: outcome.errorMessage }),
        ...(outcome.rowsWritten === undefined ? {} : { rowsWritten: outcome.rowsWritten }),
      }),
      ...(outcome.state === 'succeeded' && outcome.predictions !== undefined ? predictionEvents(task, outcome.predictions) : []),
    ];
    await this.sql.transaction([
      recordRun,
      {
        sql: `UPDATE prediction_window
       SET state = ?, finished_at = ?, error_class = ?, error_message = ?, rows_written = ?, quality = ?
       WHERE task_id = ? AND (state NOT IN (${FINISHED}) OR ? = 'succeeded')`,
        params: [
          outcome.state,
          now,
          errorClass,
          errorMessage,
          rowsWritten,
          outcome.quality === undefined ? null : JSON.stringify(outcome.quality),
          task.id,
          outcome.state,
        ],
      },
      // Only when the UPDATE took: a finished window refuses a duplicate delivery's later outcome.
      ...this.events.appendStatements(
        events,
        windowIs('w.task_id = ? AND w.state = ? AND w.finished_at = ?', [task.id, outcome.state, now]),
      ),
    ]);
  }

  /**
   * Retention: deletes finished windows (succeeded | insufficient_data | dead) that finished before
   * `cutoffMs`, with their run history, in chunks of `chunkSize` (one transaction each, so a large first
   * prune never holds a long lock), and adds the counts to the totals `latigo status` shows. Queued,
   * running and failed windows are never pruned: they still have work ahead.
   */
  async pruneFinished(cutoffMs: number, chunkSize = 1_000): Promise<{ windows: number; runs: number }> {
    const pruned = { windows: 0, runs: 0 };
    for (;;) {
      const rows = await this.sql.query<{ task_id: string }>(
        `SELECT task_id FROM prediction_window WHERE state IN (${FINISHED}) AND finished_at < ? LIMIT ?`,
        [cutoffMs, chunkSize],
      );
      if (rows.length === 0) break;
      const ids = rows.map((r) => r.task_id);
      const runs = await this.sql.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM task_run WHERE task_id IN (${placeholders(ids.length)})`,
        ids,
      );
      await this.sql.transaction([
        { sql: `DELETE FROM task_run WHERE task_id IN (${placeholders(ids.length)})`, params: ids },
        {
          sql: `DELETE FROM prediction_window WHERE task_id IN (${placeholders(ids.length)}) AND state IN (${FINISHED}) AND finished_at < ?`,
          params: [...ids, cutoffMs],
        },
      ]);
      pruned.windows += ids.length;
      pruned.runs += toCount(runs[0]?.n);
      if (rows.length < chunkSize) break;
    }
    await this.addRetentionTotals({ windows: pruned.windows, runs: pruned.runs });
    return pruned;
  }

  /**
   * Retention of the event outbox: deletes events older than `olderThanMs` and all but the newest `keepRows`
   * (either may be omitted), and adds the count to the retention totals as `events`.
   */
  async pruneEvents(options: { olderThanMs?: number; keepRows?: number }): Promise<number> {
    const pruned = await this.events.prune(options);
    await this.addRetentionTotals({ events: pruned });
    return pruned;
  }

  /** Adds to the retention totals (kind: `windows`, `runs`, `dead_letters`), noting when retention last ran. */
  async addRetentionTotals(counts: Record<string, number>): Promise<void> {
    const now = this.clock();
    for (const [kind, n] of Object.entries(counts)) {
      await this.sql.run(
        `INSERT INTO retention_total (kind, pruned, last_run_at) VALUES (?, ?, ?)
         ON CONFLICT (kind) DO UPDATE SET pruned = retention_total.pruned + excluded.pruned, last_run_at = excluded.last_run_at`,
        [kind, n, now],
      );
    }
  }

  /** What retention has pruned since the database was created, by kind, and when it last ran. */
  async retentionTotals(): Promise<{ pruned: Record<string, number>; lastRunAt?: number }> {
    const rows = await this.sql.query<{ kind: string; pruned: number | string; last_run_at: number | string }>(
      `SELECT kind, pruned, last_run_at FROM retention_total`,
      [],
    );
    const pruned: Record<string, number> = {};
    let lastRunAt: number | undefined;
    for (const r of rows) {
      pruned[r.kind] = toCount(r.pruned);
      lastRunAt = Math.max(lastRunAt ?? 0, Number(r.last_run_at));
    }
    return { pruned, ...(lastRunAt === undefined ? {} : { lastRunAt }) };
  }

  /** The windows `runner` was running (state 'running' under its claim), at most `limit`: what a crashed executor held. */
  async heldBy(
    runner: string,
    limit = 5,
  ): Promise<{ project: string; model: string; window: { fromMs: number; toMs: number }; attempts: number; task: PredictionTask }[]> {
    const rows = await this.sql.query<WindowRow>(
      `SELECT * FROM prediction_window WHERE state = 'running' AND runner = ? ORDER BY started_at DESC LIMIT ?`,
      [runner, limit],
    );
    return rows.map((r) => ({
      project: r.project,
      model: r.model,
      window: { fromMs: Number(r.from_ms), toMs: Number(r.to_ms) },
      attempts: Number(r.attempts),
      task: rowToTask(r),
    }));
  }

  /** For `latigo status`: windows by state, and failed/dead windows by error class. */
  async counts(): Promise<LedgerCounts> {
    const byState = Object.fromEntries(windowStates.map((s) => [s, 0])) as Record<WindowState, number>;
    const stateRows = await this.sql.query<{ state: WindowState; n: number | string }>(
      `SELECT state, COUNT(*) AS n FROM prediction_window GROUP BY state`,
      [],
    );
    for (const r of stateRows) byState[r.state] = toCount(r.n);
    const byErrorClass: Record<string, number> = {};
    const classRows = await this.sql.query<{ error_class: string; n: number | string }>(
      `SELECT error_class, COUNT(*) AS n FROM prediction_window
       WHERE state IN ('failed', 'dead') AND error_class IS NOT NULL GROUP BY error_class`,
      [],
    );
    for (const r of classRows) byErrorClass[r.error_class] = toCount(r.n);
    return { byState, byErrorClass };
  }

  /**
   * For `latigo backfill --wait`: windows that lie entirely inside `range` (as backfill plans them) (of `models` by name, or all), finished
   * (succeeded, insufficient data or dead) and not yet.
   */
  async rangeProgress(range: TimeRange, models?: readonly string[]): Promise<{ finished: number; unfinished: number }> {
    const byModel = models === undefined || models.length === 0 ? '' : ` AND model IN (${placeholders(models.length)})`;
    const rows = await this.sql.query<{ finished: number | string | null; n: number | string }>(
      `SELECT SUM(CASE WHEN state IN (${FINISHED}) THEN 1 ELSE 0 END) AS finished, COUNT(*) AS n FROM prediction_window
       WHERE from_ms >= ? AND to_ms <= ?${byModel}`,
      [range.fromMs, range.toMs, ...(models ?? [])],
    );
    const finished = toCount(rows[0]?.finished ?? 0);
    return { finished, unfinished: toCount(rows[0]?.n) - finished };
  }

  /** When an executor last began a window (epoch ms), or undefined when none ever did: tells whether executors run. */
  async lastStartedAt(): Promise<number | undefined> {
    const rows = await this.sql.query<{ started_at: number | string | null }>(
      `SELECT MAX(started_at) AS started_at FROM prediction_window`,
      [],
    );
    const startedAt = rows[0]?.started_at;
    return startedAt === null || startedAt === undefined ? undefined : Number(startedAt);
  }

  /** When the longest-waiting window still 'queued' was sent (epoch ms), or undefined when none waits: the queue's lag, for metrics. */
  async oldestQueuedSentAt(): Promise<number | undefined> {
    const rows = await this.sql.query<{ sent_at: number | string | null }>(
      `SELECT MIN(enqueued_at) AS sent_at FROM prediction_window WHERE state = 'queued' AND enqueued_at IS NOT NULL`,
      [],
    );
    const sentAt = rows[0]?.sent_at;
    return sentAt === null || sentAt === undefined ? undefined : Number(sentAt);
  }

  /** Remembers the newest tick a scheduler pass handled, for `status` and logs only: the ledger decides what runs. */
  async noteSchedulerTick(scheduleName: string, tickMs: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO scheduler_state (name, last_tick_ms, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET last_tick_ms = excluded.last_tick_ms, updated_at = excluded.updated_at`,
      [scheduleName, tickMs, this.clock()],
    );
  }

  async schedulerState(scheduleName: string): Promise<{ lastTickMs?: number; updatedAt: number } | undefined> {
    const rows = await this.sql.query<{ last_tick_ms: number | string | null; updated_at: number | string }>(
      `SELECT last_tick_ms, updated_at FROM scheduler_state WHERE name = ?`,
      [scheduleName],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return { ...(row.last_tick_ms === null ? {} : { lastTickMs: Number(row.last_tick_ms) }), updatedAt: Number(row.updated_at) };
  }

  /** One page of a model's ledger rows ordered by (from_ms, task_id), after `after` when given. */
  async list(filter: WindowFilter, limit: number, after?: WindowPosition): Promise<WindowRecord[]> {
    const where = ['project = ?', 'model = ?'];
    const params: SqlParam[] = [filter.project, filter.model];
    if (filter.revision !== undefined) {
      where.push('revision = ?');
      params.push(filter.revision);
    }
    if (filter.states !== undefined && filter.states.length > 0) {
      where.push(`state IN (${placeholders(filter.states.length)})`);
      params.push(...filter.states);
    }
    if (filter.fromMs !== undefined) {
      where.push('from_ms >= ?');
      params.push(filter.fromMs);
    }
    if (filter.toMs !== undefined) {
      where.push('to_ms <= ?');
      params.push(filter.toMs);
    }
    if (after !== undefined) {
      where.push('(from_ms > ? OR (from_ms = ? AND task_id > ?))');
      params.push(after.fromMs, after.fromMs, after.taskId);
    }
    const rows = await this.sql.query<WindowRow>(
      `SELECT * FROM prediction_window WHERE ${where.join(' AND ')} ORDER BY from_ms, task_id LIMIT ?`,
      [...params, limit],
    );
    return rows.map(rowToWindowRecord);
  }

  /**
   * Makes windows runnable again: those of `taskIds` in one of `fromStates` go back to 'queued' and
   * unsent, their error cleared; the attempt count stays (a re-run is a new attempt of the same window,
   * invariant 2). Returns the windows that changed, for the caller to send.
   */
  async requeue(taskIds: readonly string[], fromStates: readonly WindowState[]): Promise<PredictionTask[]> {
    const requeued: PredictionTask[] = [];
    if (fromStates.length === 0) return requeued;
    for (const part of chunk(taskIds, IN_CHUNK)) {
      const rows = await this.sql.query<WindowRow>(
        `UPDATE prediction_window SET state = 'queued', enqueued_at = NULL, started_at = NULL, finished_at = NULL,
           error_class = NULL, error_message = NULL
         WHERE task_id IN (${placeholders(part.length)}) AND state IN (${placeholders(fromStates.length)})
         RETURNING task_id, project, model, revision, from_ms, to_ms`,
        [...part, ...fromStates],
      );
      requeued.push(...rows.map(rowToTask));
    }
    return requeued;
  }

  /** Per model of `project` (every project when omitted): its newest finished window. */
  async freshness(project?: string): Promise<ModelFreshness[]> {
    const rows = await this.sql.query<{ project: string; model: string; to_ms: number | string; state: WindowState }>(
      `SELECT w.project, w.model, w.to_ms, w.state FROM prediction_window w
       JOIN (SELECT project, model, MAX(to_ms) AS to_ms FROM prediction_window
             WHERE state IN ('succeeded', 'insufficient_data') ${project === undefined ? '' : 'AND project = ?'} GROUP BY project, model) newest
         ON w.project = newest.project AND w.model = newest.model AND w.to_ms = newest.to_ms
       WHERE w.state IN ('succeeded', 'insufficient_data')`,
      project === undefined ? [] : [project],
    );
    const byModel = new Map<string, ModelFreshness>();
    for (const r of rows) {
      byModel.set(`${r.project}/${r.model}`, { project: r.project, model: r.model, lastFinishedToMs: Number(r.to_ms), lastState: r.state });
    }
    return [...byModel.values()];
  }

  /** Windows matching `filter` by state (every state present, zero when none). */
  async countByState(filter: WindowFilter): Promise<Record<WindowState, number>> {
    const counts = Object.fromEntries(windowStates.map((st) => [st, 0])) as Record<WindowState, number>;
    const where = ['project = ?', 'model = ?'];
    const params: SqlParam[] = [filter.project, filter.model];
    if (filter.revision !== undefined) {
      where.push('revision = ?');
      params.push(filter.revision);
    }
    if (filter.fromMs !== undefined) {
      where.push('from_ms >= ?');
      params.push(filter.fromMs);
    }
    if (filter.toMs !== undefined) {
      where.push('to_ms <= ?');
      params.push(filter.toMs);
    }
    const rows = await this.sql.query<{ state: WindowState; n: number | string }>(
      `SELECT state, COUNT(*) AS n FROM prediction_window WHERE ${where.join(' AND ')} GROUP BY state`,
      params,
    );
    for (const r of rows) counts[r.state] = toCount(r.n);
    return counts;
  }

  /** Claims a window that has not finished and is not running under a live claim of anyone (the fence). */
  private async markRunning(task: PredictionTask, executor: string, now: number, leaseExpiresAt: number): Promise<boolean> {
    const [updated] = await this.sql.transaction([
      {
        sql: `UPDATE prediction_window SET state = 'running', attempts = attempts + 1, started_at = ?, runner = ?, lease_expires_at = ?
       WHERE task_id = ? AND state NOT IN (${FINISHED})
         AND NOT (state = 'running' AND lease_expires_at IS NOT NULL AND lease_expires_at > ?) RETURNING task_id`,
        params: [now, executor, leaseExpiresAt, task.id, now],
      },
      ...this.runningEvent(task, executor, now, leaseExpiresAt),
    ]);
    return (updated?.rows.length ?? 0) > 0;
  }

  /** The `running` event of a claim, appended only when the statement before it took the claim. */
  private runningEvent(task: PredictionTask, executor: string, now: number, leaseExpiresAt: number): Statement[] {
    return this.events.appendStatements(
      [windowEvent(task, 'running', { executor })],
      windowIs(`w.task_id = ? AND w.state = 'running' AND w.runner = ? AND w.started_at = ? AND w.lease_expires_at = ?`, [
        task.id,
        executor,
        now,
        leaseExpiresAt,
      ]),
    );
  }
}

/**
 * An append guard: the event goes in only when a window row matching `condition` (on alias `w`) exists
 * (with `absent`: does not exist). With `keys`, each event is checked against its own window: `w.task_id`
 * equals the event's key.
 */
function windowIs(condition: string, params: readonly SqlParam[], keys?: readonly string[], absent?: 'absent'): AppendGuard {
  const where = keys === undefined ? condition : `w.task_id = v.column6 AND ${condition}`;
  const exists = `EXISTS (SELECT 1 FROM prediction_window w WHERE ${where})`;
  return { where: absent === undefined ? exists : `NOT ${exists}`, params, ...(keys === undefined ? {} : { keys }) };
}
