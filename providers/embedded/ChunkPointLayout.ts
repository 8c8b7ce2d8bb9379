import type { RawPoints } from '../../src/domain/resample.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { inList, type SqlClient, type Statement, type SyncTransaction } from '../../src/persistence/sql/SqlClient.js';
import { POINTS_PER_TRANSACTION, type PointLayout, type SensorIdPoints, type WriteLayoutOptions } from './PointLayout.js';
import {
  CHUNK_MAX_SPAN_MS,
  decodeChunk,
  encodeTimes,
  encodeValues,
  fitting,
  float64View,
  int32View,
  mergePoints,
  sortedByTime,
  toChunks,
  type Chunk,
  type SortedPoints,
} from './pointChunks.js';

export const chunkSql = {
  // A chunk holding points of [from, to) starts before `to` and ends at or after `from`; it starts no earlier
  // than from - CHUNK_MAX_SPAN_MS, which bounds the primary key's range scan from below.
  readChunks: (sensors: number) =>
    `SELECT sensor_id, start_ms, points, times, vals FROM sensor_chunk WHERE sensor_id IN (${inList(sensors)}) ` +
    'AND start_ms >= ? AND start_ms < ? AND end_ms >= ? ORDER BY sensor_id, start_ms',
  // The chunk a write's points go after when they are all new: the sensor's last one starting at or before them.
  lastChunkAtOrBefore:
    'SELECT rowid AS id, start_ms, end_ms, points FROM sensor_chunk WHERE sensor_id = ? AND start_ms <= ? ORDER BY start_ms DESC LIMIT 1',
  // `||` makes text even of two blobs; cast back, the bytes untouched (the database is UTF-8, so no transcoding).
  appendToChunk:
    'UPDATE sensor_chunk SET times = CAST(times || ? AS BLOB), vals = CAST(vals || ? AS BLOB), end_ms = ?, points = points + ? WHERE rowid = ?',
  insertChunk: 'INSERT INTO sensor_chunk (sensor_id, start_ms, end_ms, points, times, vals) VALUES (?, ?, ?, ?, ?, ?)',
  // Chunks overlapping [first, last]: parameters sensor, first - CHUNK_MAX_SPAN_MS, last, first.
  overlapping:
    'SELECT start_ms, points, times, vals FROM sensor_chunk WHERE sensor_id = ? AND start_ms >= ? AND start_ms <= ? AND end_ms >= ? ORDER BY start_ms',
  deleteOverlapping: 'DELETE FROM sensor_chunk WHERE sensor_id = ? AND start_ms >= ? AND start_ms <= ? AND end_ms >= ?',
};

/** A row of `readChunks` in array form: [sensor_id, start_ms, points, times, vals]. */
type ChunkRow = [number, number, number, Uint8Array, Uint8Array];

/**
 * SQLite: a sensor's points packed into `sensor_chunk` rows (see pointChunks.ts). A write that comes after
 * everything stored (nearly every ingest) appends to the sensor's last chunk and starts new ones when it is
 * full: one or two rows a sensor a write instead of a row a point. A write that meets stored points (a
 * re-send, a backfill) rewrites the chunks it overlaps, merged, its own points winning.
 */
export class ChunkPointLayout implements PointLayout {
  constructor(private readonly sql: SqlClient) {}

  readSql(sensors: number): string {
    return chunkSql.readChunks(sensors);
  }

  readBounds(range: TimeRange): number[] {
    return [range.fromMs - CHUNK_MAX_SPAN_MS, range.toMs, range.fromMs];
  }

  async read(columnOfId: ReadonlyMap<number, number>, range: TimeRange): Promise<RawPoints> {
    const { fromMs, toMs } = range;
    const rows = (await this.sql.queryArrays(chunkSql.readChunks(columnOfId.size), [
      ...columnOfId.keys(),
      ...this.readBounds(range),
    ])) as ChunkRow[];
    let total = 0;
    for (const row of rows) total += row[2];
    const column = new Int32Array(total);
    const timeMs = new Float64Array(total);
    const value = new Float64Array(total);
    let n = 0;
    for (const [sensorId, startMs, points, times, vals] of rows) {
      const c = columnOfId.get(sensorId)!;
      const offsets = int32View(times, points);
      const values = float64View(vals, points);
      for (let i = 0; i < points; i++) {
        const t = startMs + offsets[i]!;
        if (t < fromMs || t >= toMs) continue; // the first and last chunks straddle the range
        column[n] = c;
        timeMs[n] = t;
        value[n++] = values[i]!;
      }
    }
    return { length: n, column, timeMs, value };
  }

  async write(series: readonly SensorIdPoints[], options?: WriteLayoutOptions): Promise<{ inserted: number; nonFinite: number }> {
    let inserted = 0;
    let nonFinite = 0;
    let batch: { sensorId: number; points: SortedPoints }[] = [];
    let pending = 0;
    const commit = async () => {
      const work = batch;
      await this.sql.synchronousTransaction((tx) => {
        for (const { sensorId, points } of work) writeSensor(tx, sensorId, points);
      });
      inserted += pending;
      batch = [];
      pending = 0;
      options?.onProgress?.(inserted);
    };
    for (const s of series) {
      const sorted = sortedByTime(s);
      const { timesMs, values } = sorted;
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) nonFinite++;
      // A long series (a seed) goes in slices, each sorted and so written like a series of its own.
      for (let from = 0; from < timesMs.length; from += POINTS_PER_TRANSACTION) {
        const to = Math.min(timesMs.length, from + POINTS_PER_TRANSACTION);
        const points =
          from === 0 && to === timesMs.length ? sorted : { timesMs: slice(timesMs, from, to), values: slice(values, from, to) };
        batch.push({ sensorId: s.sensorId, points });
        pending += to - from;
        if (pending >= POINTS_PER_TRANSACTION) await commit();
      }
    }
    if (batch.length > 0) await commit();
    return { inserted, nonFinite };
  }
}

/** Writes one sensor's sorted points inside `tx`, which holds the write lock from this read to its commit. */
function writeSensor(tx: SyncTransaction, sensorId: number, points: SortedPoints): void {
  const { timesMs, values } = points;
  const count = timesMs.length;
  if (count === 0) return;
  const first = timesMs[0]!;
  const last = timesMs[count - 1]!;
  const statements: Statement[] = [];
  const [before] = tx.query<{ id: number; start_ms: number; end_ms: number; points: number }>(chunkSql.lastChunkAtOrBefore, [
    sensorId,
    last,
  ]);
  if (before === undefined || before.end_ms < first) {
    // All new: no stored chunk reaches into [first, last] (the next one starts after `last`).
    let from = 0;
    if (before !== undefined) {
      from = fitting(timesMs, 0, before.start_ms, before.points);
      if (from > 0)
        statements.push({
          sql: chunkSql.appendToChunk,
          params: [encodeTimes(timesMs, 0, from, before.start_ms), encodeValues(values, 0, from), timesMs[from - 1]!, from, before.id],
        });
    }
    for (const chunk of toChunks(points, from)) statements.push(insertChunk(sensorId, chunk));
  } else {
    const bounds = [sensorId, first - CHUNK_MAX_SPAN_MS, last, first];
    const stored = tx.query<{ start_ms: number; points: number; times: Uint8Array; vals: Uint8Array }>(chunkSql.overlapping, bounds);
    const merged = mergePoints(concatenated(stored.map((r) => decodeChunk(r.start_ms, r.points, r.times, r.vals))), points);
    statements.push({ sql: chunkSql.deleteOverlapping, params: bounds });
    for (const chunk of toChunks(merged)) statements.push(insertChunk(sensorId, chunk));
  }
  tx.execute(statements);
}

function insertChunk(sensorId: number, c: Chunk): Statement {
  return { sql: chunkSql.insertChunk, params: [sensorId, c.startMs, c.endMs, c.points, c.times, c.vals] };
}

/** Decoded chunks (in time order, not overlapping) as one series. */
function concatenated(chunks: readonly { timesMs: Float64Array; values: Float64Array }[]): SortedPoints {
  if (chunks.length === 1) return chunks[0]!;
  let total = 0;
  for (const c of chunks) total += c.timesMs.length;
  const timesMs = new Float64Array(total);
  const values = new Float64Array(total);
  let at = 0;
  for (const c of chunks) {
    timesMs.set(c.timesMs, at);
    values.set(c.values, at);
    at += c.timesMs.length;
  }
  return { timesMs, values };
}

function slice(a: ArrayLike<number>, from: number, to: number): number[] {
  return Array.prototype.slice.call(a, from, to) as number[];
}
