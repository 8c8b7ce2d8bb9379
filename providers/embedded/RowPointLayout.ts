import type { RawPoints } from '../../src/domain/resample.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { inList, rowsPerStatement, type SqlClient } from '../../src/persistence/sql/SqlClient.js';
import { POINTS_PER_TRANSACTION, type PointLayout, type SensorIdPoints, type WriteLayoutOptions } from './PointLayout.js';

const sql = {
  // The primary key (sensor_id, time_ms) serves both the IN list and the range, already in order.
  readPoints: (sensors: number) =>
    `SELECT sensor_id, time_ms, value FROM sensor_point WHERE sensor_id IN (${inList(sensors)}) AND time_ms >= ? AND time_ms < ? ORDER BY sensor_id, time_ms`,
  // Three array parameters instead of three per point; about a third faster to seed. PostgreSQL refuses an
  // upsert that meets the same key twice, hence the store merges repeated points first (mergeRepeatedPoints).
  upsertPointArrays:
    'INSERT INTO sensor_point (sensor_id, time_ms, value) ' +
    'SELECT * FROM unnest(CAST(? AS INTEGER[]), CAST(? AS BIGINT[]), CAST(? AS DOUBLE PRECISION[])) ' +
    'ON CONFLICT (sensor_id, time_ms) DO UPDATE SET value = excluded.value',
};

/** Points per upsert statement: as many as fit the parameter limit were they bound one by one. */
const ROWS_PER_STATEMENT = rowsPerStatement(3);

/** A row of `readPoints` in array form: [sensor_id, time_ms, value]. */
type PointRow = [number, number, number | null];

/** PostgreSQL: a row a point in `sensor_point`, NULL for a non-finite value. */
export class RowPointLayout implements PointLayout {
  constructor(private readonly sql: SqlClient) {}

  readSql(sensors: number): string {
    return sql.readPoints(sensors);
  }

  readBounds(range: TimeRange): number[] {
    return [range.fromMs, range.toMs];
  }

  async read(columnOfId: ReadonlyMap<number, number>, range: TimeRange): Promise<RawPoints> {
    // Rows as arrays, not objects: a third less time per read at 1,440 rows a task.
    const rows = (await this.sql.queryArrays(sql.readPoints(columnOfId.size), [
      ...columnOfId.keys(),
      ...this.readBounds(range),
    ])) as PointRow[];
    const n = rows.length;
    const column = new Int32Array(n);
    const timeMs = new Float64Array(n);
    const value = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      column[i] = columnOfId.get(row[0])!;
      timeMs[i] = Number(row[1]);
      value[i] = row[2] ?? NaN; // NaN/Inf were stored as NULL: resample counts them again here
    }
    return { length: n, column, timeMs, value };
  }

  async write(series: readonly SensorIdPoints[], options?: WriteLayoutOptions): Promise<{ inserted: number; nonFinite: number }> {
    let inserted = 0;
    let nonFinite = 0;
    let statements: { sql: string; params: [number[], number[], (number | null)[]] }[] = [];
    let pending = 0; // points in `statements`
    let batch: [number[], number[], (number | null)[]] = [[], [], []];
    const commit = async () => {
      await this.sql.transaction(statements);
      inserted += pending;
      statements = [];
      pending = 0;
      options?.onProgress?.(inserted);
    };
    const flush = () => {
      statements.push({ sql: sql.upsertPointArrays, params: batch });
      pending += batch[0].length;
      batch = [[], [], []];
    };
    for (const { sensorId, timesMs, values } of series) {
      for (let i = 0; i < timesMs.length; i++) {
        const v = values[i]!;
        const finite = Number.isFinite(v);
        if (!finite) nonFinite++;
        batch[0].push(sensorId);
        batch[1].push(timesMs[i]!);
        batch[2].push(finite ? v : null);
        if (batch[0].length === ROWS_PER_STATEMENT) {
          flush();
          if (pending >= POINTS_PER_TRANSACTION) await commit();
        }
      }
    }
    if (batch[0].length > 0) flush();
    if (statements.length > 0) await commit();
    return { inserted, nonFinite };
  }
}
