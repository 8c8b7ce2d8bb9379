import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { SensorDataOptions, SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import type { ListSensorsOptions, SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import type { SensorPoints, SensorWriter, WritePointsOptions, WritePointsResult } from '../../src/contracts/SensorWriter.js';
import { resample, type RawPoints } from '../../src/domain/resample.js';
import type { SensorFrame } from '../../src/domain/SensorFrame.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { formatRange, type TimeRange } from '../../src/domain/TimeRange.js';
import type { Database } from '../../src/persistence/Database.js';
import { InvalidDataError, throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import { toProviderError } from '../../src/persistence/sql/errors.js';
import { mergeRepeatedPoints } from './mergeRepeatedPoints.js';
import { inList, rowsPerStatement, SqlClient, valuesList, type Statement } from '../../src/persistence/sql/SqlClient.js';
import { ChunkPointLayout } from './ChunkPointLayout.js';
import type { PointLayout } from './PointLayout.js';
import { RowPointLayout } from './RowPointLayout.js';

export type { SensorPoints } from '../../src/contracts/SensorWriter.js';

export interface InsertPointsOptions {
  /** Called after each committed batch with the points inserted so far. */
  onProgress?(inserted: number): void;
}

const sql = {
  idsByName: (names: number) => `SELECT id, name FROM sensor WHERE name IN (${inList(names)})`,
  // SQLite lets a later row of the same statement update an earlier one; PostgreSQL refuses, hence
  // the callers deduplicate sensors, and insertPoints merges repeated points (mergeRepeatedPoints).
  upsertSensors: (rows: number) =>
    `INSERT INTO sensor (name, asset, unit) VALUES ${valuesList(rows, 3)} ON CONFLICT (name) DO UPDATE SET asset = excluded.asset, unit = excluded.unit RETURNING id, name`,
  // A sensor first seen in writePoints: created with only its name, an existing description kept.
  addNamedSensors: (rows: number) => `INSERT INTO sensor (name, asset, unit) VALUES ${valuesList(rows, 3)} ON CONFLICT (name) DO NOTHING`,
  listSensors: 'SELECT name, asset, unit FROM sensor ORDER BY name',
  listSensorsOfAsset: 'SELECT name, asset, unit FROM sensor WHERE asset = ? ORDER BY name',
  describeSensor: 'SELECT name, asset, unit FROM sensor WHERE name = ?',
};

interface SensorRow {
  name: string;
  asset: string;
  unit: string | null;
}

/** Sensors (`sensor`) and their raw points (`sensor_chunk` on SQLite, `sensor_point` on PostgreSQL: see PointLayout) in the service's own database. */
export class EmbeddedSensorStore implements SensorDataProvider, SensorInformationProvider, SensorWriter {
  private readonly sql: SqlClient;
  /** Sensor names never change id, so found ids are kept for the process's life. Unknown names are
   *  looked up again next time: the seeder may add them meanwhile. */
  private readonly idsByName = new Map<string, number>();

  private readonly points: PointLayout;

  constructor(
    db: Database,
    private readonly log: Logger,
  ) {
    this.sql = new SqlClient(db);
    this.points = db.dialect === 'sqlite' ? new ChunkPointLayout(this.sql) : new RowPointLayout(this.sql);
  }

  rangeSpecifier(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): string {
    const names = [...new Set(tags.map((t) => t.name))];
    // JSON quoting keeps names with quotes or newlines on one unambiguous line.
    return (
      `${this.points.readSql(names.length)} -- parameters: the sensor.id of each of ${JSON.stringify(names)}, ` +
      `${this.points.readBounds(range).join(', ')} ${formatRange(range)}; then the mean per ${resolutionMs} ms bucket`
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
      const points = columnOfId.size === 0 ? NO_POINTS : await this.points.read(columnOfId, range);
      const uniqueTags = names.length === tags.length ? tags : names.map((name) => tags.find((t) => t.name === name)!);
      const frame = resample(uniqueTags, range, resolutionMs, points, { rows: options?.rows ?? 'all' });
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
   * ±Infinity are stored as a gap the reader counts (NULL on PostgreSQL, NaN on SQLite) and counted here.
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
      return await this.points.write(
        points.map((p) => ({ sensorId: ids.get(p.sensor)!, timesMs: p.timesMs, values: p.values })),
        options?.onProgress ? { onProgress: (n: number) => options.onProgress?.(n) } : {},
      );
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

const NO_POINTS: RawPoints = { length: 0, column: [], timeMs: [], value: [] };
