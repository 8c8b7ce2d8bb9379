import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type {
  CountPredictionsOptions,
  LatestAnomaliesOptions,
  PredictionReader,
  ReadForecastOptions,
  ReadPredictionsOptions,
  StoredForecast,
  StoredAnomaly,
  StoredPredictionColumns,
  StoredPredictions,
} from '../../src/contracts/PredictionReader.js';
import type { PredictionStorageProvider, StoreResult } from '../../src/contracts/PredictionStorageProvider.js';
import type { ModelRef } from '../../src/domain/ModelDescription.js';
import type { PredictionRow, PredictionSet } from '../../src/domain/Prediction.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import type { Database, Dialect } from '../../src/persistence/Database.js';
import type { Logger } from '../../src/runtime/logger.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import { toProviderError } from '../../src/persistence/sql/errors.js';
import { forecastStatements, readForecast } from './forecastTable.js';
import { rowsPerStatement, SqlClient, valuesList, type SqlParam, type Statement } from '../../src/persistence/sql/SqlClient.js';

const PREDICTION_COLUMNS = 10;
const MAX_REMEMBERED_SERIES = 100_000;

const sql = {
  upsertSeries:
    'INSERT INTO prediction_series (project, model, revision, tag_names) VALUES (?, ?, ?, ?) ' +
    'ON CONFLICT (project, model, revision) DO UPDATE SET tag_names = excluded.tag_names',
  // The natural key (project, model, revision, time_ms) makes a redelivered task overwrite its own rows.
  upsertPredictions: (rows: number) =>
    'INSERT INTO prediction (project, model, revision, time_ms, total_anomaly, threshold, is_anomaly, outputs, contributions, details) ' +
    `VALUES ${valuesList(rows, PREDICTION_COLUMNS)} ON CONFLICT (project, model, revision, time_ms) DO UPDATE SET ` +
    'total_anomaly = excluded.total_anomaly, threshold = excluded.threshold, is_anomaly = excluded.is_anomaly, ' +
    'outputs = excluded.outputs, contributions = excluded.contributions, details = excluded.details',
  // PostgreSQL: the rows as one array per column. Parsing one statement with a few array parameters is
  // cheaper than one with 10 parameters per row (a 180-row window stored in ~3 ms instead of ~5.4 ms).
  upsertPredictionArrays:
    'INSERT INTO prediction (project, model, revision, time_ms, total_anomaly, threshold, is_anomaly, outputs, contributions, details) ' +
    'SELECT ?, ?, ?, r.* FROM unnest(CAST(? AS BIGINT[]), CAST(? AS DOUBLE PRECISION[]), CAST(? AS DOUBLE PRECISION[]), CAST(? AS BOOLEAN[]), ' +
    'CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[])) AS r ON CONFLICT (project, model, revision, time_ms) DO UPDATE SET ' +
    'total_anomaly = excluded.total_anomaly, threshold = excluded.threshold, is_anomaly = excluded.is_anomaly, ' +
    'outputs = excluded.outputs, contributions = excluded.contributions, details = excluded.details',
  count: 'SELECT COUNT(*) AS n FROM prediction',
  countOfProject: 'SELECT COUNT(*) AS n FROM prediction WHERE project = ?',
  countOfModel: 'SELECT COUNT(*) AS n FROM prediction WHERE project = ? AND model = ?',
  // Served by ix_prediction_anomaly_time. TRUE is a literal both SQLite and PostgreSQL read, and the one a
  // partial index `(time_ms) WHERE is_anomaly = TRUE` must be written with for SQLite to match it.
  latestAnomalies: (where: string) =>
    `SELECT project, model, time_ms, total_anomaly, threshold FROM prediction WHERE is_anomaly = TRUE${where} ORDER BY time_ms DESC LIMIT ?`,
  // The revision of the newest row in the range: what `readPredictions` reads when none is named.
  newestRevision:
    'SELECT revision FROM prediction WHERE project = ? AND model = ? AND time_ms >= ? AND time_ms < ? ORDER BY time_ms DESC LIMIT 1',
  seriesTags: 'SELECT tag_names FROM prediction_series WHERE project = ? AND model = ? AND revision = ?',
  readRows: (limit: boolean) =>
    'SELECT time_ms, total_anomaly, threshold, is_anomaly, outputs, contributions, details FROM prediction ' +
    `WHERE project = ? AND model = ? AND revision = ? AND time_ms >= ? AND time_ms < ? ORDER BY time_ms${limit ? ' LIMIT ?' : ''}`,
  // readRows without details, for readPredictionColumns (read as arrays: no object per row).
  readColumns: (limit: boolean) =>
    'SELECT time_ms, total_anomaly, threshold, is_anomaly, outputs, contributions FROM prediction ' +
    `WHERE project = ? AND model = ? AND revision = ? AND time_ms >= ? AND time_ms < ? ORDER BY time_ms${limit ? ' LIMIT ?' : ''}`,
  anomalyTimes:
    'SELECT DISTINCT time_ms FROM prediction WHERE project = ? AND model = ? AND is_anomaly = TRUE AND time_ms >= ? AND time_ms < ? ORDER BY time_ms',
};

/** Predictions in the service's own database: one wide row per model revision and timestamp. */
export class DatabasePredictionStorage implements PredictionStorageProvider, PredictionReader {
  private readonly sql: SqlClient;
  private readonly dialect: Dialect;

  /**
   * Series rows (project, model, revision, tag names) this process has written. The row changes only when
   * the revision does, so each task after a model's first skips its upsert. Bounded: when full it starts
   * over, which costs one upsert per series again.
   */
  private readonly seriesWritten = new Set<string>();

  constructor(
    db: Database,
    private readonly log: Logger,
  ) {
    this.sql = new SqlClient(db);
    this.dialect = db.dialect;
  }

  async store(predictions: PredictionSet, options?: CallOptions): Promise<StoreResult> {
    throwIfAborted(options?.signal);
    try {
      const { project, model, revision } = predictions;
      const counter = { nonFinite: 0 };
      const tagNames = JSON.stringify(predictions.tagNames);
      const seriesKey = JSON.stringify([project, model, revision, tagNames]);
      const seriesKnown = this.seriesWritten.has(seriesKey);
      const statements: Statement[] = seriesKnown ? [] : [{ sql: sql.upsertSeries, params: [project, model, revision, tagNames] }];
      if (this.dialect === 'postgres') statements.push(arrayStatement(predictions, counter));
      else statements.push(...valuesStatements(predictions, counter));
      statements.push(...forecastStatements(predictions, counter));
      // One statement needs no BEGIN and COMMIT of its own: on PostgreSQL that is two round trips fewer per task.
      if (statements.length === 1) await this.sql.run(statements[0]!.sql, statements[0]!.params);
      else await this.sql.transaction(statements);
      this.rememberSeries(seriesKey);
      if (counter.nonFinite > 0)
        this.log.debug('non-finite prediction values stored as null', { project, model, count: counter.nonFinite });
      return { written: predictions.rows.length + (predictions.forecast?.points.length ?? 0), droppedNonFinite: counter.nonFinite };
    } catch (err) {
      throw toProviderError(err, 'embedded-predictions.store');
    }
  }

  private rememberSeries(key: string): void {
    if (this.seriesWritten.size >= MAX_REMEMBERED_SERIES) this.seriesWritten.clear();
    this.seriesWritten.add(key);
  }

  /** See PredictionReader.readForecast. */
  async readForecast(model: ModelRef, options: ReadForecastOptions = {}): Promise<StoredForecast | undefined> {
    throwIfAborted(options.signal);
    try {
      return await readForecast(this.sql, model, options);
    } catch (err) {
      throw toProviderError(err, 'embedded-predictions.readForecast');
    }
  }

  /** Prediction rows stored, over every model and revision, or those of a project or model. */
  async countPredictions(options: CountPredictionsOptions = {}): Promise<number> {
    throwIfAborted(options.signal);
    const { project, model } = options;
    try {
      const [row] =
        project === undefined
          ? await this.sql.query<{ n: number }>(sql.count, [])
          : model === undefined
            ? await this.sql.query<{ n: number }>(sql.countOfProject, [project])
            : await this.sql.query<{ n: number }>(sql.countOfModel, [project, model]);
      return Number(row?.n ?? 0);
    } catch (err) {
      throw toProviderError(err, 'embedded-predictions.countPredictions');
    }
  }

  /** The `limit` most recent anomalous timestamps over all models (or those of a project or model), newest first. */
  async latestAnomalies(options: LatestAnomaliesOptions): Promise<StoredAnomaly[]> {
    throwIfAborted(options.signal);
    const filters: string[] = [];
    const params: SqlParam[] = [];
    if (options.project !== undefined) {
      filters.push(' AND project = ?');
      params.push(options.project);
    }
    if (options.model !== undefined) {
      filters.push(' AND model = ?');
      params.push(options.model);
    }
    try {
      const rows = await this.sql.query<{
        project: string;
        model: string;
        time_ms: number;
        total_anomaly: number | null;
        threshold: number | null;
      }>(sql.latestAnomalies(filters.join('')), [...params, options.limit]);
      return rows.map((r) => ({
        project: r.project,
        model: r.model,
        timeMs: Number(r.time_ms),
        totalAnomaly: r.total_anomaly ?? NaN,
        threshold: r.threshold ?? NaN,
      }));
    } catch (err) {
      throw toProviderError(err, 'embedded-predictions.latestAnomalies');
    }
  }

  /** The stored rows of one revision (the newest in the range unless named) in [fromMs, toMs), by time; null values read back as NaN. */
  async readPredictions(model: ModelRef, range: TimeRange, options: ReadPredictionsOptions = {}): Promise<StoredPredictions> {
    throwIfAborted(options.signal);
    const { project, name } = model;
    try {
      const series = await this.seriesOf(model, range, options.revision);
      if (series === undefined) return { project, model: name, revision: '', tagNames: [], rows: [] };
      const rows = await this.sql.query<StoredRow>(
        sql.readRows(options.limit !== undefined),
        rowsParams(model, series.revision, range, options),
      );
      return { project, model: name, ...series, rows: rows.map(toPredictionRow) };
    } catch (err) {
      throw toProviderError(err, 'embedded-predictions.readPredictions');
    }
  }

  /**
   * See PredictionReader.readPredictionColumns: the rows of readPredictions read as arrays and written straight
   * into one array per column, without the row and PredictionRow objects (the API's columns form of a day at
   * 10 s is 8,640 rows).
   */
  async readPredictionColumns(model: ModelRef, range: TimeRange, options: ReadPredictionsOptions = {}): Promise<StoredPredictionColumns> {
    throwIfAborted(options.signal);
    const { project, name } = model;
    try {
      const series = await this.seriesOf(model, range, options.revision);
      if (series === undefined) return { project, model: name, ...columnsOf('', [], []) };
      const rows = await this.sql.queryArrays(
        sql.readColumns(options.limit !== undefined),
        rowsParams(model, series.revision, range, options),
      );
      return { project, model: name, ...columnsOf(series.revision, series.tagNames, rows as StoredColumnsRow[]) };
    } catch (err) {
      throw toProviderError(err, 'embedded-predictions.readPredictionColumns');
    }
  }

  /** The revision to read (the newest in the range unless named) and its tag names; undefined when the range has no rows. */
  private async seriesOf(model: ModelRef, range: TimeRange, named: string | undefined) {
    const { project, name } = model;
    let revision = named;
    if (revision === undefined) {
      const [newest] = await this.sql.query<{ revision: string }>(sql.newestRevision, [project, name, range.fromMs, range.toMs]);
      if (newest === undefined) return undefined;
      revision = newest.revision;
    }
    const [series] = await this.sql.query<{ tag_names: string }>(sql.seriesTags, [project, name, revision]);
    return { revision, tagNames: series ? (JSON.parse(series.tag_names) as string[]) : [] };
  }

  /** Timestamps in `range` that any revision of the model flagged as anomalous, ascending. */
  async anomalyTimes(project: string, model: string, range: TimeRange): Promise<number[]> {
    try {
      const rows = await this.sql.query<{ time_ms: number }>(sql.anomalyTimes, [project, model, range.fromMs, range.toMs]);
      return rows.map((r) => r.time_ms);
    } catch (err) {
      throw toProviderError(err, 'embedded-predictions.anomalyTimes');
    }
  }
}

type StoredRow = {
  time_ms: number;
  total_anomaly: number | null;
  threshold: number | null;
  is_anomaly: boolean | number;
  outputs: string;
  contributions: string;
  details: string | null;
};

function rowsParams(model: ModelRef, revision: string, range: TimeRange, options: ReadPredictionsOptions): SqlParam[] {
  const params: SqlParam[] = [model.project, model.name, revision, range.fromMs, range.toMs];
  if (options.limit !== undefined) params.push(options.limit);
  return params;
}

/** A row of sql.readColumns, read as an array. */
type StoredColumnsRow = [
  time_ms: number,
  total_anomaly: number | null,
  threshold: number | null,
  is_anomaly: boolean | number,
  outputs: string,
  contributions: string,
];

/** Rows of sql.readColumns as columns; nulls (non-finite values on the way in) are NaN again, as in toPredictionRow,
 *  and the per-tag values stay the JSON text `store` wrote. */
function columnsOf(revision: string, tagNames: string[], rows: readonly StoredColumnsRow[]) {
  const n = rows.length;
  const timeMs = new Array<number>(n);
  const totalAnomaly = new Array<number>(n);
  const threshold = new Array<number>(n);
  const isAnomaly = new Array<boolean>(n);
  const outputsJson = new Array<string>(n);
  const contributionsJson = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    timeMs[i] = Number(r[0]);
    totalAnomaly[i] = r[1] ?? NaN;
    threshold[i] = r[2] ?? NaN;
    isAnomaly[i] = Boolean(r[3]);
    outputsJson[i] = r[4];
    contributionsJson[i] = r[5];
  }
  return { revision, tagNames, timeMs, totalAnomaly, threshold, isAnomaly, outputsJson, contributionsJson };
}

/** What `store` wrote, read back: nulls (non-finite values on the way in) are NaN again. */
function toPredictionRow(r: StoredRow): PredictionRow {
  const numbers = (json: string) => (JSON.parse(json) as (number | null)[]).map((v) => v ?? NaN);
  const details =
    r.details === null
      ? undefined
      : Object.fromEntries(Object.entries(JSON.parse(r.details) as Record<string, number | null>).map(([k, v]) => [k, v ?? NaN]));
  return {
    timeMs: Number(r.time_ms),
    outputs: numbers(r.outputs),
    contributions: numbers(r.contributions),
    totalAnomaly: r.total_anomaly ?? NaN,
    threshold: r.threshold ?? NaN,
    isAnomaly: Boolean(r.is_anomaly),
    ...(details ? { details } : {}),
  };
}

type NonFiniteCounter = { nonFinite: number };

/** Multi-row VALUES statements, as many as the parameter limit needs. */
function valuesStatements(predictions: PredictionSet, counter: NonFiniteCounter): Statement[] {
  const { project, model, revision } = predictions;
  const statements: Statement[] = [];
  const chunkRows = rowsPerStatement(PREDICTION_COLUMNS);
  for (let start = 0; start < predictions.rows.length; start += chunkRows) {
    const chunk = predictions.rows.slice(start, start + chunkRows);
    const params: SqlParam[] = [];
    for (const row of chunk) {
      params.push(
        project,
        model,
        revision,
        row.timeMs,
        finiteOrNull(row.totalAnomaly, counter),
        finiteOrNull(row.threshold, counter),
        row.isAnomaly,
        jsonArray(row.outputs, counter),
        jsonArray(row.contributions, counter),
        row.details === undefined ? null : jsonRecord(row.details, counter),
      );
    }
    statements.push({ sql: sql.upsertPredictions(chunk.length), params });
  }
  return statements;
}

/** One unnest statement for any number of rows (PostgreSQL). */
function arrayStatement(predictions: PredictionSet, counter: NonFiniteCounter): Statement {
  const n = predictions.rows.length;
  const times = new Array<number>(n);
  const totals = new Array<number | null>(n);
  const thresholds = new Array<number | null>(n);
  const flags = new Array<boolean>(n);
  const outputs = new Array<string>(n);
  const contributions = new Array<string>(n);
  const details = new Array<string | null>(n);
  predictions.rows.forEach((row, i) => {
    times[i] = row.timeMs;
    totals[i] = finiteOrNull(row.totalAnomaly, counter);
    thresholds[i] = finiteOrNull(row.threshold, counter);
    flags[i] = row.isAnomaly;
    outputs[i] = jsonArray(row.outputs, counter);
    contributions[i] = jsonArray(row.contributions, counter);
    details[i] = row.details === undefined ? null : jsonRecord(row.details, counter);
  });
  const { project, model, revision } = predictions;
  return {
    sql: sql.upsertPredictionArrays,
    params: [project, model, revision, times, totals, thresholds, flags, outputs, contributions, details],
  };
}

function finiteOrNull(value: number, counter: NonFiniteCounter): number | null {
  if (Number.isFinite(value)) return value;
  counter.nonFinite++;
  return null;
}

/** JSON turns NaN and ±Infinity into null by itself; we only count them. */
function jsonArray(values: readonly number[], counter: NonFiniteCounter): string {
  for (const v of values) if (!Number.isFinite(v)) counter.nonFinite++;
  // A typed array would serialise as an object ({"0": ...}); models may hand one over despite the type.
  return JSON.stringify(Array.isArray(values) ? values : Array.from(values));
}

function jsonRecord(values: Readonly<Record<string, number>>, counter: NonFiniteCounter): string {
  for (const v of Object.values(values)) if (!Number.isFinite(v)) counter.nonFinite++;
  return JSON.stringify(values);
}
