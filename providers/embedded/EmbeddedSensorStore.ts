import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { SensorDataOptions, SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import type { ListSensorsOptions, SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import type { SensorPoints, SensorWriter, WritePointsOptions, WritePointsResult } from '../../src/contracts/SensorWriter.js';
import { resample } from '../../src/domain/resample.js';
import type { SensorFrame } from '../../src/domain/SensorFrame.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { formatRange, type TimeRange } from '../../src/domain/TimeRange.js';
import type { Database, Dialect } from '../../src/persistence/Database.js';
import { InvalidDataError, throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import { toProviderError } from '../../src/persistence/sql/errors.js';
import { mergeRepeatedPoints } from './mergeRepeatedPoints.js';
import { inList, rowsPerStatement, SqlClient, valuesList, type SqlParam, type Statement } from '../../src/persistence/sql/SqlClient.js';

export type { SensorPoints } from '../../src/contracts/SensorWriter.js';

export interface InsertPointsOptions {
  /** Called after each committed batch with the points inserted so far. */
  onProgress?(inserted: number): void;
}

const sql = {
  // The primary key (sensor_id, time_ms) serves both the IN list and the range, already in order.
  readPoints: (sensors: number) =>
    `SELECT sensor_id, time_ms, value FROM sensor_point WHERE sensor_id IN (${inList(sensors)}) AND time_ms >= ? AND time_ms < ? ORDER BY sensor_id, time_ms`,
  idsByName: (names: number) => `SELECT id, name FROM sensor WHERE name IN (${inList(names)})`,
  // SQLite lets a later row of the same statement update an earlier one; PostgreSQL refuses, hence
  // the callers deduplicate sensors, and insertPoints merges repeated points (mergeRepeatedPoints).
  upsertSensors: (rows: number) =>
    `INSERT INTO sensor (name, asset, unit) VALUES ${valuesList(rows, 3)} ON CONFLICT (name) DO UPDATE SET asset = excluded.asset, unit = excluded.unit RETURNING id, name`,
  upsertPoints: (rows: number) =>
    `INSERT INTO sensor_point (sensor_id, time_ms, value) VALUES ${valuesList(rows, 3)} ON CONFLICT (sensor_id, time_ms) DO UPDATE SET value = excluded.value`,
  // SQLite: tried before upsertPoints (Statement.sqliteFirst). New points (nearly every ingest) need no
  // conflict check: a plain insert took them about 40 % faster (2,000,000 points into the WITHOUT ROWID table).
  insertPoints: (rows: number) => `INSERT INTO sensor_point (sensor_id, time_ms, value) VALUES ${valuesList(rows, 3)}`,
  // PostgreSQL: three array parameters instead of three per point; about a third faster to seed.
  upsertPointArrays:
    'INSERT INTO sensor_point (sensor_id, time_ms, value) ' +
    'SELECT * FROM unnest(CAST(? AS INTEGER[]), CAST(? AS BIGINT[]), CAST(? AS DOUBLE PRECISION[])) ' +
    'ON CONFLICT (sensor_id, time_ms) DO UPDATE SET value = excluded.value',
  // A sensor first seen in writePoints: created with only its name, an existing description kept.
  addNamedSensors: (rows: number) => `INSERT INTO sensor (name, asset, unit) VALUES ${valuesList(rows, 3)} ON CONFLICT (name) DO NOTHING`,
  listSensors: 'SELECT name, asset, unit FROM sensor ORDER BY name',
  listSensorsOfAsset: 'SELECT name, asset, unit FROM sensor WHERE asset = ? ORDER BY name',
  describeSensor: 'SELECT name, asset, unit FROM sensor WHERE name = ?',
};

/**
 * Points per upsert statement. PostgreSQL binds three arrays, so one statement takes as many as fit the
 * parameter limit. SQLite binds three parameters a point: statements of 1,000 rows insert about half as
 * fast again as ones of 10,000 (measured with better-sqlite3 on the ingest benchmark's shape), and the last
 * partial batch goes as powers of two (512, 256, ...), so a handful of statement shapes are ever prepared.
 */
const POINT_ROWS_PER_STATEMENT: Record<Dialect, number> = { postgres: rowsPerStatement(3), sqlite: 1_000 };
/** Parameters of a full SQLite point statement. */
const SQLITE_FULL_PARAMS = 3 * POINT_ROWS_PER_STATEMENT.sqlite;
/** Points per transaction when seeding: long enough to amortise commits, short enough to let other writers in. */
const POINTS_PER_TRANSACTION = 200_000;

/** A row of `readPoints` in array form: [sensor_id, time_ms, value]. */
type PointRow = [number, number, number | null];
interface SensorRow {
  name: string;
  asset: string;
  unit: string | null;
}

/** Sensors (`sensor`) and their raw points (`sensor_point`) in the service's own database. */
export class EmbeddedSensorStore implements SensorDataProvider, SensorInformationProvider, SensorWriter {
  private readonly sql: SqlClient;
  /** Sensor names never change id, so found ids are kept for the process's life. Unknown names are
   *  looked up again next time: the seeder may add them meanwhile. */
  private readonly idsByName = new Map<string, number>();

  private readonly dialect: Dialect;
  /**
   * SQLite: parameter lists of full point statements already committed, filled again by the next ones.
   * A fresh 3,000-element list per 1,000 points lived until its commit, long enough to be promoted, and
   * the old-generation collections of them took a tenth of the ingest benchmark's api CPU.
   */
  private readonly spareParams: SqlParam[][] = [];

  constructor(
    db: Database,
    private readonly log: Logger,
  ) {
    this.sql = new SqlClient(db);
    this.dialect = db.dialect;
  }

  rangeSpecifier(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): string {
    const names = [...new Set(tags.map((t) => t.name))];
    // JSON quoting keeps names with quotes or newlines on one unambiguous line.
    return (
      `${sql.readPoints(names.length)} -- parameters: the sensor.id of each of ${JSON.stringify(names)}, ` +
      `${range.fromMs}, ${range.toMs} ${formatRange(range)}; then the mean per ${resolutionMs} ms bucket`
    );
  }

  async getData(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number, options?: SensorDataOptions): Promise<SensorFrame> {
    throwIfAborted(options?.signal);
    try {
      const names = [...new Set(tags.map((t) => t.name))];
      const ids = await this.resolveIds(names);
      const columnOfId = new Map<number, number>();
      names.forEach((name, column) => {
        const id = ids.get(name);
        if (id !== undefined) columnOfId.set(id, column);
      });
      if (columnOfId.size < names.length) this.log.debug('unknown sensors read as empty', { unknown: names.filter((n) => !ids.has(n)) });
      throwIfAborted(options?.signal);
      // Rows as arrays, not objects: a third less time per read at 1,440 rows a task.
      const rows =
        columnOfId.size === 0
          ? []
          : ((await this.sql.queryArrays(sql.readPoints(columnOfId.size), [...columnOfId.keys(), range.fromMs, range.toMs])) as PointRow[]);
      const n = rows.length;
      const column = new Int32Array(n);
      const timeMs = new Float64Array(n);
      const value = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const row = rows[i]!;
        column[i] = columnOfId.get(row[0])!;
        timeMs[i] = row[1];
        value[i] = row[2] ?? NaN; // NaN/Inf were stored as NULL: resample counts them again here
      }
      const uniqueTags = names.length === tags.length ? tags : names.map((name) => tags.find((t) => t.name === name)!);
      const frame = resample(uniqueTags, range, resolutionMs, { length: n, column, timeMs, value }, { rows: options?.rows ?? 'all' });
      if (uniqueTags === tags) return frame;
      // A tag requested twice gets the same column twice (counted once in quality).
      return { ...frame, tags, columns: tags.map((t) => frame.columns[names.indexOf(t.name)]!) };
    } catch (err) {
      throw toProviderError(err, 'embedded-sensors.getData');
    }
  }

  async listSensors(options?: ListSensorsOptions): Promise<SensorTag[]> {
    throwIfAborted(options?.signal);
    try {
      const rows =
        options?.asset === undefined
          ? await this.sql.query<SensorRow>(sql.listSensors, [])
          : await this.sql.query<SensorRow>(sql.listSensorsOfAsset, [options.asset]);
      // SQLite orders by UTF-8 bytes; sort by UTF-16 code units like every other provider.
      return rows.map(toTag).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (err) {
      throw toProviderError(err, 'embedded-sensors.listSensors');
    }
  }

  async sensorExists(name: string, options?: CallOptions): Promise<boolean> {
    return (await this.describeSensor(name, options)) !== undefined;
  }

  async describeSensor(name: string, options?: CallOptions): Promise<SensorTag | undefined> {
    throwIfAborted(options?.signal);
    try {
      const [row] = await this.sql.query<SensorRow>(sql.describeSensor, [name]);
      return row === undefined ? undefined : toTag(row);
    } catch (err) {
      throw toProviderError(err, 'embedded-sensors.describeSensor');
    }
  }

  /** SensorWriter: `upsertSensors`. */
  async defineSensors(tags: readonly SensorTag[], options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal);
    await this.upsertSensors(tags);
  }

  /** SensorWriter: `insertPoints`, creating the sensors not defined yet with only their name (asset ''). */
  async writePoints(points: readonly SensorPoints[], options?: WritePointsOptions): Promise<WritePointsResult> {
    throwIfAborted(options?.signal);
    const names = [...new Set(points.map((p) => p.sensor))];
    const known = await this.resolveIds(names).catch((err: unknown) => {
      throw toProviderError(err, 'embedded-sensors.writePoints');
    });
    const unknown = names.filter((n) => !known.has(n));
    try {
      for (let start = 0; start < unknown.length; start += rowsPerStatement(3)) {
        const chunk = unknown.slice(start, start + rowsPerStatement(3));
        await this.sql.run(
          sql.addNamedSensors(chunk.length),
          chunk.flatMap((name) => [name, '', null]),
        );
      }
    } catch (err) {
      throw toProviderError(err, 'embedded-sensors.writePoints');
    }
    const { inserted, nonFinite } = await this.insertPoints(
      points,
      options?.onProgress ? { onProgress: (n: number) => options.onProgress?.(n) } : {},
    );
    return { written: inserted, nonFinite };
  }

  /** Creates or updates sensors (asset and unit; the last of a repeated name wins). Resolves with every
   *  given name's id. */
  async upsertSensors(tags: readonly SensorTag[]): Promise<Map<string, number>> {
    try {
      const byName = new Map(tags.map((t) => [t.name, t]));
      const unique = [...byName.values()];
      const statements: Statement[] = [];
      for (let start = 0; start < unique.length; start += rowsPerStatement(3)) {
        const chunk = unique.slice(start, start + rowsPerStatement(3));
        statements.push({ sql: sql.upsertSensors(chunk.length), params: chunk.flatMap((t) => [t.name, t.asset, t.unit ?? null]) });
      }
      const results = await this.sql.transaction(statements);
      const ids = new Map<string, number>();
      for (const row of results.flatMap((r) => r.rows) as { id: number; name: string }[]) {
        ids.set(row.name, row.id);
        this.idsByName.set(row.name, row.id);
      }
      return ids;
    } catch (err) {
      throw toProviderError(err, 'embedded-sensors.upsertSensors');
    }
  }

  /**
   * Bulk-writes points of existing sensors (see `upsertSensors`); a point at an existing timestamp
   * replaces it, and of a timestamp given twice the last wins (`inserted` counts it once). NaN and
   * ±Infinity are stored as NULL (a gap the reader counts) and counted here.
   * Throws InvalidDataError, writing nothing, for unknown sensors, mismatched arrays or non-integer
   * timestamps. Commits every ~200,000 points, so other processes' writes are not held up for long.
   */
  async insertPoints(given: readonly SensorPoints[], options?: InsertPointsOptions): Promise<{ inserted: number; nonFinite: number }> {
    try {
      for (const series of given) validateSeries(series); // all before writing: a refused call writes nothing
      const points = mergeRepeatedPoints(given);
      const ids = await this.resolveIds([...new Set(points.map((p) => p.sensor))]);
      const unknown = points.filter((p) => !ids.has(p.sensor)).map((p) => p.sensor);
      if (unknown.length > 0)
        throw new InvalidDataError(`unknown sensors (add them with upsertSensors first): ${JSON.stringify(unknown.slice(0, 10))}`);
      let inserted = 0;
      let nonFinite = 0;
      let statements: Statement[] = [];
      let pending = 0; // points in `statements`
      const rowsPerBatch = POINT_ROWS_PER_STATEMENT[this.dialect];
      let batch = new PointBatch(this.dialect, this.spareParams.pop());
      const commit = async () => {
        await this.sql.transaction(statements);
        inserted += pending;
        for (const s of statements)
          if (s.params.length === SQLITE_FULL_PARAMS && this.spareParams.length < 200) this.spareParams.push(s.params as SqlParam[]);
        statements = [];
        pending = 0;
        options?.onProgress?.(inserted);
      };
      for (const series of points) {
        const id = ids.get(series.sensor)!;
        for (let i = 0; i < series.timesMs.length; i++) {
          const v = series.values[i]!;
          const finite = Number.isFinite(v);
          if (!finite) nonFinite++;
          batch.add(id, series.timesMs[i]!, finite ? v : null);
          if (batch.size === rowsPerBatch) {
            statements.push(...batch.statements());
            pending += batch.size;
            batch = new PointBatch(this.dialect, this.spareParams.pop());
            if (pending >= POINTS_PER_TRANSACTION) await commit();
          }
        }
      }
      if (batch.size > 0) {
        statements.push(...batch.statements());
        pending += batch.size;
      }
      if (statements.length > 0) await commit();
      return { inserted, nonFinite };
    } catch (err) {
      throw toProviderError(err, 'embedded-sensors.insertPoints');
    }
  }

  private async resolveIds(names: readonly string[]): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const missing: string[] = [];
    for (const name of names) {
      const id = this.idsByName.get(name);
      if (id === undefined) missing.push(name);
      else ids.set(name, id);
    }
    for (let start = 0; start < missing.length; start += rowsPerStatement(1)) {
      const chunk = missing.slice(start, start + rowsPerStatement(1));
      for (const row of await this.sql.query<{ id: number; name: string }>(sql.idsByName(chunk.length), chunk)) {
        this.idsByName.set(row.name, row.id);
        ids.set(row.name, row.id);
      }
    }
    return ids;
  }
}

function validateSeries(series: SensorPoints): void {
  const { sensor, timesMs, values } = series;
  if (timesMs.length !== values.length) {
    throw new InvalidDataError(`sensor ${JSON.stringify(sensor)}: ${timesMs.length} timestamps but ${values.length} values`);
  }
  for (let i = 0; i < timesMs.length; i++) {
    if (!Number.isInteger(timesMs[i]))
      throw new InvalidDataError(`sensor ${JSON.stringify(sensor)}: timestamp ${timesMs[i]} is not whole milliseconds`);
  }
}

function toTag(row: SensorRow): SensorTag {
  return row.unit === null ? { name: row.name, asset: row.asset } : { name: row.name, asset: row.asset, unit: row.unit };
}

/** The texts of a SQLite point statement of `rows` rows, made once each (a handful of row counts ever occur). */
const sqlitePointTexts = new Map<number, { sql: string; sqliteFirst: string }>();
function sqlitePointStatements(rows: number): { sql: string; sqliteFirst: string } {
  let texts = sqlitePointTexts.get(rows);
  if (texts === undefined) sqlitePointTexts.set(rows, (texts = { sql: sql.upsertPoints(rows), sqliteFirst: sql.insertPoints(rows) }));
  return texts;
}

/**
 * Points on their way into upsert statements. PostgreSQL: column by column (three array parameters).
 * SQLite: straight into the flat parameter list of a full statement (sensor, time, value per row), so a
 * full batch is bound as it was filled, without another copy.
 */
class PointBatch {
  private readonly ids: number[] = [];
  private readonly times: number[] = [];
  private readonly values: (number | null)[] = [];
  private readonly flat: SqlParam[];
  size = 0;

  /** `spare`: SQLite, a committed full statement's parameter list to fill again (overwritten, not appended to). */
  constructor(
    private readonly dialect: Dialect,
    spare?: SqlParam[],
  ) {
    this.flat = dialect === 'sqlite' ? (spare ?? new Array<SqlParam>(SQLITE_FULL_PARAMS)) : [];
  }

  add(sensorId: number, timeMs: number, value: number | null): void {
    if (this.dialect === 'postgres') {
      this.ids.push(sensorId);
      this.times.push(timeMs);
      this.values.push(value);
    } else {
      const at = 3 * this.size;
      this.flat[at] = sensorId;
      this.flat[at + 1] = timeMs;
      this.flat[at + 2] = value;
    }
    this.size++;
  }

  /** PostgreSQL: one statement of three arrays. SQLite: statements of a power-of-two number of rows each
   *  (a full batch is one), largest first, so few shapes are prepared whatever the batch size. */
  statements(): Statement[] {
    if (this.dialect === 'postgres') return [{ sql: sql.upsertPointArrays, params: [this.ids, this.times, this.values] }];
    const full = POINT_ROWS_PER_STATEMENT.sqlite;
    if (this.size === full) return [{ ...sqlitePointStatements(full), params: this.flat }];
    const out: Statement[] = [];
    let from = 0;
    while (from < this.size) {
      const left = this.size - from;
      const rows = left >= full ? full : 2 ** Math.floor(Math.log2(left));
      out.push({ ...sqlitePointStatements(rows), params: this.flat.slice(3 * from, 3 * (from + rows)) });
      from += rows;
    }
    return out;
  }
}
