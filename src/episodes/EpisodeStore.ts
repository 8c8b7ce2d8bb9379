import type { PredictionSet } from '../domain/Prediction.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { Database } from '../persistence/Database.js';
import {
  inList,
  rowsPerStatement,
  SqlClient,
  valuesList,
  type SqlParam,
  type Statement,
  type StatementResult,
} from '../persistence/sql/SqlClient.js';
import { toProviderError } from '../persistence/sql/errors.js';
import type { Clock } from '../runtime/clock.js';
import { ProviderError } from '../runtime/errors.js';
import {
  computeEpisodes,
  diffEpisodes,
  MAX_TAGS_PER_POINT,
  type AnomalyPoint,
  type Episode,
  type EpisodeChange,
  type EpisodeKey,
  type EpisodeSettings,
} from './computeEpisodes.js';
import { episodeFromRow, type EpisodeRow } from './episodeRows.js';

/** Turns episode changes into the statements that append them to the event outbox, run in the same transaction. */
export type EpisodeEventStatements = (changes: readonly EpisodeChange[], at: number) => Statement[];

export interface EpisodeFilter {
  project?: string;
  model?: string;
  open?: boolean;
  /** Episodes that overlap [fromMs, toMs). */
  fromMs?: number;
  toMs?: number;
  limit: number;
}

/** A model's row in `episode_model`: the version recomputations are ordered by, and what they compute with. */
interface ModelStateRow {
  readonly version: number | string;
  readonly horizon_ms: number | string;
  readonly resolution_ms: number | string;
}

/** A read a recomputation needs; it is answered with the statement's rows. */
interface Read {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** What a recomputation writes, and the changes that makes. */
interface Recomputed {
  readonly changes: EpisodeChange[];
  readonly statements: Statement[];
}

type Recomputation = Generator<Read, Recomputed | undefined, Record<string, unknown>[]>;

/** Runs a recomputation's reads one after another with `answer` (synchronous: inside a SQLite transaction). */
function runSync(recomputation: Recomputation, answer: (read: Read) => Record<string, unknown>[]): Recomputed | undefined {
  let step = recomputation.next();
  while (!step.done) step = recomputation.next(answer(step.value));
  return step.value;
}

/** Runs a recomputation's reads one after another with `answer`, awaiting each. */
async function runAsync(
  recomputation: Recomputation,
  answer: (read: Read) => Promise<Record<string, unknown>[]>,
): Promise<Recomputed | undefined> {
  let step = recomputation.next();
  while (!step.done) step = recomputation.next(await answer(step.value));
  return step.value;
}

const MODEL_STATE_SQL = `SELECT version, horizon_ms, resolution_ms FROM episode_model WHERE project = ? AND model = ? AND revision = ?`;

const POINTS_SQL = `SELECT time_ms, score, threshold, contributions FROM anomaly_point
       WHERE project = ? AND model = ? AND revision = ? AND time_ms >= ? AND time_ms <= ? ORDER BY time_ms`;

interface AnomalyPointRow {
  readonly time_ms: number | string;
  readonly score: number;
  readonly threshold: number;
  readonly contributions: string;
}

function anomalyPointFromRow(r: AnomalyPointRow): AnomalyPoint {
  return {
    timeMs: Number(r.time_ms),
    score: Number(r.score),
    threshold: Number(r.threshold),
    contributions: JSON.parse(r.contributions) as Record<string, number>,
  };
}

/** How often a recomputation that lost a race with another write for the same model starts again. */
const MAX_RECOMPUTE_ATTEMPTS = 20;

/**
 * The episode table (issue 19): `record` keeps a stored window's anomalous points, then recomputes the
 * episodes near it from every stored point of the model revision, so the episodes are a function of the
 * stored points and horizon whatever the order windows arrive in (backfills included). Concurrent
 * recomputations for one model are ordered by `episode_model.version`: one that read a stale version
 * aborts (a CHECK constraint fails its transaction) and starts again.
 */
export class EpisodeStore {
  private readonly sql: SqlClient;
  /** Without a translating operation: the version check's failure must be told from other errors. */
  private readonly rawSql: SqlClient;

  constructor(
    db: Database,
    private readonly settings: (resolutionMs: number) => EpisodeSettings,
    private readonly clock: Clock,
    private readonly eventStatements?: EpisodeEventStatements,
  ) {
    this.sql = new SqlClient(db, 'episodes');
    this.rawSql = new SqlClient(db);
  }

  /**
   * Records the set's anomalous points (replacing the window's earlier ones) and recomputes the episodes
   * around it. On SQLite both happen in one synchronous transaction holding the write lock (nothing can
   * change between the reads and the writes); on PostgreSQL the recomputation is a transaction of its own,
   * ordered by the model's version. `alongside` runs first in the record's transaction (another record of the
   * stored window, such as its summary row: one commit instead of two).
   */
  async record(predictions: PredictionSet, resolutionMs: number, alongside: readonly Statement[] = []): Promise<EpisodeChange[]> {
    const key: EpisodeKey = { project: predictions.project, model: predictions.model, revision: predictions.revision };
    const { window } = predictions;
    const points = anomalousPoints(predictions);
    const statements = [...alongside, ...recordStatements(key, window, points, resolutionMs)];
    // The model's state as the record left it (its upsert's RETURNING): the recomputation need not read it again.
    const stateOf = (results: StatementResult[]) => results[results.length - 1]?.rows[0] as ModelStateRow | undefined;
    // Nothing stored or withdrawn: only an open episode can change (the predictions' horizon moved).
    const pointsUnchanged = (results: StatementResult[]) => points.length === 0 && results[alongside.length]?.changes === 0;
    if (this.sql.synchronous) {
      return this.rawSql
        .synchronousTransaction((tx) => {
          const results = tx.execute(statements);
          const plan = runSync(this.recomputation(key, window, stateOf(results), pointsUnchanged(results)), (read) =>
            tx.query<Record<string, unknown>>(read.sql, read.params),
          );
          if (plan === undefined) return [];
          tx.execute(plan.statements);
          return plan.changes;
        })
        .catch((err: unknown) => {
          throw toProviderError(err, 'episodes');
        });
    }
    const results = await this.sql.transaction(statements);
    return this.recomputeFrom(key, window, stateOf(results), pointsUnchanged(results));
  }

  /** Recomputes the episodes touching `range` (and every open one of the model) from the stored points. */
  recompute(key: EpisodeKey, range: TimeRange): Promise<EpisodeChange[]> {
    return this.recomputeFrom(key, range, undefined, false);
  }

  /** `recompute` in a transaction of its own, its first attempt starting from `known` (read when undefined; every
   *  later attempt reads it). A recomputation that lost a race with another write for the model starts again. */
  private async recomputeFrom(
    key: EpisodeKey,
    range: TimeRange,
    known: ModelStateRow | undefined,
    pointsUnchanged: boolean,
  ): Promise<EpisodeChange[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const first = attempt === 1;
        const plan = await runAsync(this.recomputation(key, range, first ? known : undefined, first && pointsUnchanged), (read) =>
          this.rawSql.query<Record<string, unknown>>(read.sql, read.params),
        );
        if (plan === undefined) return [];
        await this.rawSql.transaction(plan.statements);
        return plan.changes;
      } catch (err) {
        if (!isStaleVersion(err)) throw toProviderError(err, 'episodes');
        if (attempt >= MAX_RECOMPUTE_ATTEMPTS) {
          throw new ProviderError(`episodes of ${key.project}/${key.model}: ${attempt} recomputations lost races`, {
            retryable: true,
            cause: err,
          });
        }
      }
    }
  }

  /**
   * The recomputation as the reads it needs (yielded, answered with their rows) ending in the statements
   * that write its result (undefined: nothing changes). Written once for both ways of running it: inside a
   * synchronous SQLite transaction, or read by read on PostgreSQL, where the version check in its first
   * statement makes it fail if another write for the model came in between.
   */
  private *recomputation(key: EpisodeKey, range: TimeRange, known: ModelStateRow | undefined, pointsUnchanged: boolean): Recomputation {
    const keyParams = [key.project, key.model, key.revision];
    const state = known ?? ((yield { sql: MODEL_STATE_SQL, params: keyParams }) as unknown as ModelStateRow[])[0];
    if (state === undefined) return undefined;
    const version = Number(state.version);
    const resolutionMs = Number(state.resolution_ms);
    const settings = this.settings(resolutionMs);
    const reach = resolutionMs + settings.maxGapMs;
    const episodesWhere = function* (
      condition: string,
      params: readonly SqlParam[],
    ): Generator<Read, Episode[], Record<string, unknown>[]> {
      const rows = yield { sql: episodesOfModelSql(condition), params: [...keyParams, ...params] };
      return (rows as unknown as EpisodeRow[]).map(episodeFromRow);
    };
    // `open` is tested through an expression so that SQLite's planner takes the model's index: with `open = TRUE`
    // it chose ix_episode_open and read every open episode of every model, so each task of a cycle over
    // thousands of models was slower than the last (cycle-embedded 178.9 s at 9,000 models).
    const open = yield* episodesWhere(OPEN_OF_MODEL, []);
    // Closed episodes are a function of the stored points alone, and those did not change.
    if (pointsUnchanged && open.length === 0) return undefined;
    let lo = Math.min(range.fromMs - reach, ...open.map((e) => e.startMs));
    let hi = range.toMs + reach;
    let existing: Episode[];
    let points: AnomalyPoint[];
    // Widen [lo, hi] until no stored episode or chain of points crosses its edges: then every run of
    // points inside is whole, and every stored episode it touches is replaced.
    for (;;) {
      existing = yield* episodesWhere(`start_ms <= ? AND end_ms >= ?`, [hi, lo]);
      points = ((yield { sql: POINTS_SQL, params: [...keyParams, lo, hi] }) as unknown as AnomalyPointRow[]).map(anomalyPointFromRow);
      const first = points[0];
      const last = points[points.length - 1];
      let nextLo = Math.min(lo, ...existing.map((e) => e.startMs - reach));
      let nextHi = Math.max(hi, ...existing.map((e) => e.endMs + reach));
      if (first !== undefined && first.timeMs - lo <= reach) nextLo = Math.min(nextLo, first.timeMs - reach - 1);
      if (last !== undefined && hi - last.timeMs <= reach) nextHi = Math.max(nextHi, last.timeMs + reach + 1);
      if (nextLo === lo && nextHi === hi) break;
      lo = nextLo;
      hi = nextHi;
    }
    const computed = computeEpisodes(key, points, resolutionMs, Number(state.horizon_ms), settings);
    const changes = diffEpisodes(existing, computed);
    if (changes.length === 0) return undefined;
    const now = this.clock();
    const statements: Statement[] = [
      {
        sql: `UPDATE episode_model SET version = CASE WHEN version = ? THEN version + 1 ELSE -1 END
              WHERE project = ? AND model = ? AND revision = ?`,
        params: [version, ...keyParams],
      },
    ];
    if (existing.length > 0) {
      statements.push({ sql: `DELETE FROM episode WHERE id IN (${inList(existing.length)})`, params: existing.map((e) => e.id) });
    }
    statements.push(...episodeInserts(computed, now));
    if (this.eventStatements) statements.push(...this.eventStatements(changes, now));
    return { changes, statements };
  }

  async list(filter: EpisodeFilter): Promise<Episode[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (filter.project !== undefined) {
      where.push('project = ?');
      params.push(filter.project);
    }
    if (filter.model !== undefined) {
      where.push('model = ?');
      params.push(filter.model);
    }
    if (filter.open !== undefined) where.push(`open = ${filter.open ? TRUE : FALSE}`);
    if (filter.toMs !== undefined) {
      where.push('start_ms < ?');
      params.push(filter.toMs);
    }
    if (filter.fromMs !== undefined) {
      where.push('end_ms > ?');
      params.push(filter.fromMs);
    }
    const rows = await this.sql.query<EpisodeRow>(
      `SELECT * FROM episode ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_ms DESC, id LIMIT ?`,
      [...params, filter.limit],
    );
    return rows.map(episodeFromRow);
  }

  async get(id: string): Promise<Episode | undefined> {
    const rows = await this.sql.query<EpisodeRow>(`SELECT * FROM episode WHERE id = ?`, [id]);
    return rows[0] && episodeFromRow(rows[0]);
  }
}

/** The open episodes of one model (see `recomputation` for why `open` is an expression). */
export const OPEN_OF_MODEL = '(CASE WHEN open THEN 1 ELSE 0 END) = 1';

/** The episodes of one model (project, model, revision) that meet `condition`, oldest first. */
export const episodesOfModelSql = (condition: string): string =>
  `SELECT * FROM episode WHERE project = ? AND model = ? AND revision = ? AND ${condition} ORDER BY start_ms`;

// Portable boolean literals (SQLite 1/0 compares equal to TRUE/FALSE since 3.23).
const TRUE = 'TRUE';
const FALSE = 'FALSE';

/** The version check's failure: SQLite's CHECK constraint or PostgreSQL's check_violation (23514). */
function isStaleVersion(err: unknown): boolean {
  for (let current: unknown = err, depth = 0; current && typeof current === 'object' && depth < 3; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (code === 'SQLITE_CONSTRAINT_CHECK' || code === '23514') return true;
    if (typeof message === 'string' && message.includes('ck_episode_model_version')) return true;
    current = (current as { cause?: unknown; driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}

function anomalousPoints(predictions: PredictionSet): AnomalyPoint[] {
  const points: AnomalyPoint[] = [];
  for (const row of predictions.rows) {
    if (!row.isAnomaly || !Number.isFinite(row.totalAnomaly)) continue;
    const ranked = row.contributions
      .map((value, i) => [predictions.tagNames[i]!, value] as const)
      .filter(([, value]) => Number.isFinite(value) && value > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_TAGS_PER_POINT);
    points.push({
      timeMs: row.timeMs,
      score: row.totalAnomaly,
      threshold: Number.isFinite(row.threshold) ? row.threshold : 0,
      contributions: Object.fromEntries(ranked),
    });
  }
  return points;
}

/** Replaces the window's anomalous points and moves the model's horizon and version; the last statement
 *  returns the model's state (the DELETE's count tells whether stored points were withdrawn). */
function recordStatements(key: EpisodeKey, window: TimeRange, points: readonly AnomalyPoint[], resolutionMs: number): Statement[] {
  return [
    {
      sql: `DELETE FROM anomaly_point WHERE project = ? AND model = ? AND revision = ? AND time_ms >= ? AND time_ms < ?`,
      params: [key.project, key.model, key.revision, window.fromMs, window.toMs],
    },
    ...pointInserts(key, points),
    {
      sql: `INSERT INTO episode_model (project, model, revision, resolution_ms, horizon_ms, version) VALUES (?, ?, ?, ?, ?, 1)
            ON CONFLICT (project, model, revision) DO UPDATE SET
              horizon_ms = CASE WHEN excluded.horizon_ms > episode_model.horizon_ms THEN excluded.horizon_ms ELSE episode_model.horizon_ms END,
              resolution_ms = excluded.resolution_ms,
              version = episode_model.version + 1
            RETURNING version, horizon_ms, resolution_ms`,
      params: [key.project, key.model, key.revision, resolutionMs, window.toMs],
    },
  ];
}

function pointInserts(key: EpisodeKey, points: readonly AnomalyPoint[]): Statement[] {
  const width = 7;
  const statements: Statement[] = [];
  const per = rowsPerStatement(width);
  for (let i = 0; i < points.length; i += per) {
    const slice = points.slice(i, i + per);
    statements.push({
      sql: `INSERT INTO anomaly_point (project, model, revision, time_ms, score, threshold, contributions) VALUES ${valuesList(slice.length, width)}`,
      params: slice.flatMap((p) => [key.project, key.model, key.revision, p.timeMs, p.score, p.threshold, JSON.stringify(p.contributions)]),
    });
  }
  return statements;
}

function episodeInserts(episodes: readonly Episode[], now: number): Statement[] {
  const width = 14;
  const statements: Statement[] = [];
  const per = rowsPerStatement(width);
  for (let i = 0; i < episodes.length; i += per) {
    const slice = episodes.slice(i, i + per);
    statements.push({
      sql: `INSERT INTO episode (id, project, model, revision, start_ms, end_ms, open, points, peak_score, mean_score, threshold, severity, top_tags, updated_at)
            VALUES ${valuesList(slice.length, width)}`,
      params: slice.flatMap((e) => [
        e.id,
        e.project,
        e.model,
        e.revision,
        e.startMs,
        e.endMs,
        e.open,
        e.points,
        e.peakScore,
        e.meanScore,
        e.threshold,
        e.severity,
        JSON.stringify(e.topTags),
        now,
      ]),
    });
  }
  return statements;
}

/** The configured settings for a model of `resolutionMs`: `episodes.max_gap` 0 means two resolutions. */
export function episodeSettings(config: {
  maxGapMs: number;
  minDurationMs: number;
  topTags: number;
}): (resolutionMs: number) => EpisodeSettings {
  return (resolutionMs) => ({
    maxGapMs: config.maxGapMs > 0 ? config.maxGapMs : 2 * resolutionMs,
    minDurationMs: config.minDurationMs,
    topTags: config.topTags,
  });
}
