import { decodeChunk } from '../../../providers/embedded/pointChunks.js';
import type { DatabaseReader } from './sqlite.js';

export interface StoredPoint {
  readonly time_ms: number;
  /** null for a gap (a non-finite value written), as `sensor_point` stored it. */
  readonly value: number | null;
}

interface ChunkRow {
  start_ms: number;
  points: number;
  times: Uint8Array;
  vals: Uint8Array;
}

/**
 * A SQLite workspace's stored points, unpacked from `sensor_chunk` with the store's own codec (the store
 * keeps up to 256 points of a sensor a row): those of `sensor` in time order, or with no sensor every point.
 */
export function storedPoints(db: DatabaseReader, sensor?: string): StoredPoint[] {
  const rows =
    sensor === undefined
      ? db.all<ChunkRow>('SELECT start_ms, points, times, vals FROM sensor_chunk ORDER BY sensor_id, start_ms')
      : db.all<ChunkRow>(
          'SELECT c.start_ms, c.points, c.times, c.vals FROM sensor_chunk c JOIN sensor s ON s.id = c.sensor_id WHERE s.name = ? ORDER BY c.start_ms',
          sensor,
        );
  const out: StoredPoint[] = [];
  for (const row of rows) {
    const { timesMs, values } = decodeChunk(row.start_ms, row.points, row.times, row.vals);
    for (let i = 0; i < timesMs.length; i++) out.push({ time_ms: timesMs[i]!, value: Number.isNaN(values[i]) ? null : values[i]! });
  }
  return out;
}
