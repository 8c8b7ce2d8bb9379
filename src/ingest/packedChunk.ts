import type { SensorPoints } from '../contracts/SensorWriter.js';
import type { ParsedChunk, Rejection } from './ParsedChunk.js';

/**
 * A ParsedChunk as it crosses from a parse worker to the main thread: every series' times and values in
 * two Float64Arrays (transferred, not copied), the sensor names and where each series ends. Structured
 * cloning a chunk's per-sensor JS arrays would cost the main thread about as much as parsing it.
 */
export interface PackedChunk {
  readonly sensors: string[];
  /** Series i is `[ends[i - 1] ?? 0, ends[i])` of times and values. */
  readonly ends: Int32Array;
  readonly times: Float64Array;
  readonly values: Float64Array;
  readonly pointCount: number;
  readonly rejections: Rejection[];
  readonly rows: number;
  readonly endOffset: number;
  readonly endRow: number;
}

/** `chunk` packed, and the buffers to transfer with it. */
export function packChunk(chunk: ParsedChunk): { packed: PackedChunk; transfer: ArrayBuffer[] } {
  let total = 0;
  for (const series of chunk.points) total += series.timesMs.length;
  const times = new Float64Array(total);
  const values = new Float64Array(total);
  const ends = new Int32Array(chunk.points.length);
  let at = 0;
  chunk.points.forEach((series, i) => {
    const n = series.timesMs.length;
    for (let k = 0; k < n; k++, at++) {
      times[at] = series.timesMs[k]!;
      values[at] = series.values[k]!;
    }
    ends[i] = at;
  });
  const packed: PackedChunk = {
    sensors: chunk.points.map((s) => s.sensor),
    ends,
    times,
    values,
    pointCount: chunk.pointCount,
    rejections: chunk.rejections,
    rows: chunk.rows,
    endOffset: chunk.endOffset,
    endRow: chunk.endRow,
  };
  return { packed, transfer: [times.buffer, values.buffer, ends.buffer] };
}

/** The ParsedChunk again, its series views into the packed arrays (no copy). */
export function unpackChunk(packed: PackedChunk): ParsedChunk {
  const points: SensorPoints[] = [];
  let from = 0;
  for (let i = 0; i < packed.sensors.length; i++) {
    const to = packed.ends[i]!;
    points.push({ sensor: packed.sensors[i]!, timesMs: packed.times.subarray(from, to), values: packed.values.subarray(from, to) });
    from = to;
  }
  return {
    points,
    pointCount: packed.pointCount,
    rejections: packed.rejections,
    rows: packed.rows,
    endOffset: packed.endOffset,
    endRow: packed.endRow,
  };
}
