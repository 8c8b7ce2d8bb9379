import type { SensorPoints } from '../contracts/SensorWriter.js';
import type { Database } from '../persistence/Database.js';
import { inList, rowsPerStatement, SqlClient, valuesList, type Statement } from '../persistence/sql/SqlClient.js';
import type { Clock } from '../runtime/clock.js';

/** What has been written for one sensor, over every ingest and import (`sensor_watermark`). */
export interface SensorWatermark {
  readonly sensor: string;
  /** Time of the latest point ever written (epoch ms): a window ending at or before it has its data. */
  readonly latestMs: number;
  /** Time of the earliest point ever written. */
  readonly earliestMs: number;
  /** Points written in total (a point rewritten at the same time counts again). */
  readonly points: number;
  /** When a write last moved this row (epoch ms, the writer's clock). */
  readonly updatedAt: number;
}

/** One committed write of one sensor (`sensor_write`); ids increase, so readers page by the last id seen. */
export interface SensorWriteRecord {
  readonly id: number;
  readonly sensor: string;
  /** The earliest and latest point time of the write (inclusive). Late data: `fromMs` before the watermark it found. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly points: number;
  readonly writtenAt: number;
}

/** Per sensor: the time range and count of the points of one write. */
export interface WriteSummary {
  readonly sensor: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly points: number;
}

const sql = {
  // The larger latest and smaller earliest win; CASE rather than max()/GREATEST(), which differ between the dialects.
  upsert: (rows: number) =>
    `INSERT INTO sensor_watermark (sensor, latest_ms, earliest_ms, points, updated_at) VALUES ${valuesList(rows, 5)} ` +
    'ON CONFLICT (sensor) DO UPDATE SET ' +
    'latest_ms = CASE WHEN excluded.latest_ms > sensor_watermark.latest_ms THEN excluded.latest_ms ELSE sensor_watermark.latest_ms END, ' +
    'earliest_ms = CASE WHEN excluded.earliest_ms < sensor_watermark.earliest_ms THEN excluded.earliest_ms ELSE sensor_watermark.earliest_ms END, ' +
    'points = sensor_watermark.points + excluded.points, updated_at = excluded.updated_at',
  log: (rows: number) => `INSERT INTO sensor_write (sensor, from_ms, to_ms, points, written_at) VALUES ${valuesList(rows, 5)}`,
  get: (n: number) => `SELECT sensor, latest_ms, earliest_ms, points, updated_at FROM sensor_watermark WHERE sensor IN (${inList(n)})`,
  all: 'SELECT sensor, latest_ms, earliest_ms, points, updated_at FROM sensor_watermark ORDER BY sensor',
  since: 'SELECT id, sensor, from_ms, to_ms, points, written_at FROM sensor_write WHERE id > ? ORDER BY id LIMIT ?',
  lastId: 'SELECT MAX(id) AS id FROM sensor_write',
  overlapping: (n: number) =>
    `SELECT id, sensor, from_ms, to_ms, points, written_at FROM sensor_write WHERE sensor IN (${inList(n)}) AND to_ms >= ? AND from_ms < ?`,
  prune: 'DELETE FROM sensor_write WHERE written_at < ?',
};

interface WatermarkRow {
  sensor: string;
  latest_ms: number | string;
  earliest_ms: number | string;
  points: number | string;
  updated_at: number | string;
}
interface WriteRow {
  id: number | string;
  sensor: string;
  from_ms: number | string;
  to_ms: number | string;
  points: number | string;
  written_at: number | string;
}

/**
 * Per-sensor watermarks and the write log, in the service's own database whatever store holds the points.
 * `record` is called after the points are committed (WatermarkingSensorWriter), so a watermark never
 * claims data a reader cannot find yet. Data triggers read `get` (has every input reached the window's
 * end?) and `writesSince` (new points, late ones included).
 */
export class SensorWatermarks {
  private readonly sql: SqlClient;

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.sql = new SqlClient(db, 'sensor-watermarks');
  }

  /** Moves the watermarks of the written sensors and appends one write record per sensor, in one transaction. */
  async record(writes: readonly WriteSummary[]): Promise<void> {
    const rows = writes.filter((w) => w.points > 0);
    if (rows.length === 0) return;
    const now = this.clock();
    const per = rowsPerStatement(5);
    const statements: Statement[] = [];
    for (let start = 0; start < rows.length; start += per) {
      const chunk = rows.slice(start, start + per);
      statements.push({ sql: sql.upsert(chunk.length), params: chunk.flatMap((w) => [w.sensor, w.toMs, w.fromMs, w.points, now]) });
      statements.push({ sql: sql.log(chunk.length), params: chunk.flatMap((w) => [w.sensor, w.fromMs, w.toMs, w.points, now]) });
    }
    await this.sql.transaction(statements);
  }

  /** The watermarks of `sensors` that have any; a sensor never written is absent. */
  async get(sensors: readonly string[]): Promise<Map<string, SensorWatermark>> {
    const found = new Map<string, SensorWatermark>();
    const unique = [...new Set(sensors)];
    const per = rowsPerStatement(1);
    for (let start = 0; start < unique.length; start += per) {
      const chunk = unique.slice(start, start + per);
      for (const row of await this.sql.query<WatermarkRow>(sql.get(chunk.length), chunk)) found.set(row.sensor, toWatermark(row));
    }
    return found;
  }

  /** Every watermark, by sensor name. */
  async list(): Promise<SensorWatermark[]> {
    return (await this.sql.query<WatermarkRow>(sql.all, [])).map(toWatermark);
  }

  /** Write records after `afterId` (0: from the start), oldest first, at most `limit`. */
  async writesSince(afterId: number, limit = 10_000): Promise<SensorWriteRecord[]> {
    const rows = await this.sql.query<WriteRow>(sql.since, [afterId, limit]);
    return rows.map(toWriteRecord);
  }

  /** The write records of `sensors` holding a point in `[fromMs, toMs)` (their ranges overlap it), in no order. */
  async writesOverlapping(sensors: readonly string[], fromMs: number, toMs: number): Promise<SensorWriteRecord[]> {
    const unique = [...new Set(sensors)];
    const per = rowsPerStatement(1) - 2;
    const found: SensorWriteRecord[] = [];
    for (let start = 0; start < unique.length; start += per) {
      const chunk = unique.slice(start, start + per);
      const rows = await this.sql.query<WriteRow>(sql.overlapping(chunk.length), [...chunk, fromMs, toMs]);
      found.push(...rows.map(toWriteRecord));
    }
    return found;
  }

  /** The id of the latest write record (0 when there is none): where a new reader starts. */
  async lastWriteId(): Promise<number> {
    const [row] = await this.sql.query<{ id: number | string | null }>(sql.lastId, []);
    return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
  }

  /** Forgets write records older than `beforeMs`; the watermarks stay. Resolves with how many were removed. */
  pruneWrites(beforeMs: number): Promise<number> {
    return this.sql.run(sql.prune, [beforeMs]);
  }
}

/** Per sensor of `points`: the earliest and latest time and the count (empty series left out). */
export function summarizeWrite(points: readonly SensorPoints[]): WriteSummary[] {
  const bySensor = new Map<string, { fromMs: number; toMs: number; points: number }>();
  for (const series of points) {
    const n = series.timesMs.length;
    if (n === 0) continue;
    let from = Infinity;
    let to = -Infinity;
    for (let i = 0; i < n; i++) {
      const t = series.timesMs[i]!;
      if (t < from) from = t;
      if (t > to) to = t;
    }
    const seen = bySensor.get(series.sensor);
    if (seen === undefined) bySensor.set(series.sensor, { fromMs: from, toMs: to, points: n });
    else {
      seen.fromMs = Math.min(seen.fromMs, from);
      seen.toMs = Math.max(seen.toMs, to);
      seen.points += n;
    }
  }
  return [...bySensor].map(([sensor, s]) => ({ sensor, ...s }));
}

function toWatermark(row: WatermarkRow): SensorWatermark {
  return {
    sensor: row.sensor,
    latestMs: Number(row.latest_ms),
    earliestMs: Number(row.earliest_ms),
    points: Number(row.points),
    updatedAt: Number(row.updated_at),
  };
}

function toWriteRecord(r: WriteRow): SensorWriteRecord {
  return {
    id: Number(r.id),
    sensor: r.sensor,
    fromMs: Number(r.from_ms),
    toMs: Number(r.to_ms),
    points: Number(r.points),
    writtenAt: Number(r.written_at),
  };
}
