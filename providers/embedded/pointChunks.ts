/**
 * The SQLite point layout's pure part (issue 16): a sensor's points stored as chunks, rows of
 * `sensor_chunk` holding up to CHUNK_MAX_POINTS points in two blobs, `times` (Int32 offsets from the
 * chunk's start_ms, little-endian) and `vals` (Float64, NaN for a gap). A sensor's chunks never overlap
 * and times strictly increase inside one. One row per sensor per write instead of one per point is what
 * took the ingest benchmark past influxd: SQLite's per-row work (the VDBE, B-tree descents, binding three
 * values a row) was the api's cost.
 */

/** Points per chunk: a full chunk is about 3 KiB, below a 4 KiB page, so it never spills to overflow pages. */
export const CHUNK_MAX_POINTS = 256;
/** A chunk's end_ms - start_ms at most: keeps the Int32 offsets in range, and gives a range read the index
 *  lower bound `start_ms >= from - CHUNK_MAX_SPAN_MS`. */
export const CHUNK_MAX_SPAN_MS = 86_400_000;

/** Points of one sensor, times strictly increasing; values NaN where there is none. */
export interface SortedPoints {
  readonly timesMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** One row of `sensor_chunk`, sensor aside. */
export interface Chunk {
  readonly startMs: number;
  readonly endMs: number;
  readonly points: number;
  readonly times: Buffer;
  readonly vals: Buffer;
}

// The blobs are little-endian and read through typed-array views, which use the platform's byte order:
// refuse a big-endian platform (none we run on) rather than misread every stored point.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('the SQLite chunk layout needs a little-endian platform');

/** `times[from, to)` as Int32 offsets from `startMs`. */
export function encodeTimes(timesMs: ArrayLike<number>, from: number, to: number, startMs: number): Buffer {
  const out = Buffer.allocUnsafe(4 * (to - from));
  // allocUnsafe hands out pool slices at multiples of 8 bytes, so the view is aligned.
  const view = new Int32Array(out.buffer, out.byteOffset, to - from);
  for (let i = from; i < to; i++) view[i - from] = timesMs[i]! - startMs;
  return out;
}

/** `values[from, to)` as Float64, non-finite values as NaN. */
export function encodeValues(values: ArrayLike<number>, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(8 * (to - from));
  const view = new Float64Array(out.buffer, out.byteOffset, to - from);
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    view[i - from] = Number.isFinite(v) ? v : NaN;
  }
  return out;
}

/** A stored chunk's points: absolute times and values (NaN for a gap). */
export function decodeChunk(
  startMs: number,
  points: number,
  times: Uint8Array,
  vals: Uint8Array,
): { timesMs: Float64Array; values: Float64Array } {
  const timesMs = new Float64Array(points);
  const offsets = int32View(times, points);
  for (let i = 0; i < points; i++) timesMs[i] = startMs + offsets[i]!;
  return { timesMs, values: float64View(vals, points).slice() };
}

/** `bytes` as Int32s, without a copy when it is aligned (blobs from the driver usually are). */
export function int32View(bytes: Uint8Array, count: number): Int32Array {
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, count);
  return new Int32Array(copied(bytes, 4 * count));
}

/** `bytes` as Float64s, without a copy when it is aligned. */
export function float64View(bytes: Uint8Array, count: number): Float64Array {
  if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, count);
  return new Float64Array(copied(bytes, 8 * count));
}

/** The first `length` bytes in an ArrayBuffer of their own (Buffer's own `slice` would share the memory). */
function copied(bytes: Uint8Array, length: number): ArrayBuffer {
  const out = new Uint8Array(length);
  out.set(bytes.subarray(0, length));
  return out.buffer;
}

/**
 * How many of `points` from `from` on fit a chunk that starts at `startMs` and holds `held` points
 * already: up to CHUNK_MAX_POINTS in all, none later than startMs + CHUNK_MAX_SPAN_MS.
 */
export function fitting(timesMs: ArrayLike<number>, from: number, startMs: number, held: number): number {
  const room = Math.min(CHUNK_MAX_POINTS - held, timesMs.length - from);
  let n = 0;
  while (n < room && timesMs[from + n]! - startMs <= CHUNK_MAX_SPAN_MS) n++;
  return n;
}

/** `points` (from `from` on) cut into chunks, each as full as the limits allow. */
export function toChunks(points: SortedPoints, from = 0): Chunk[] {
  const out: Chunk[] = [];
  const { timesMs, values } = points;
  while (from < timesMs.length) {
    const startMs = timesMs[from]!;
    const n = fitting(timesMs, from, startMs, 0);
    out.push({
      startMs,
      endMs: timesMs[from + n - 1]!,
      points: n,
      times: encodeTimes(timesMs, from, from + n, startMs),
      vals: encodeValues(values, from, from + n),
    });
    from += n;
  }
  return out;
}

/** `stored` and `given` (each sorted) as one sorted series; at a time in both, `given`'s value wins. */
export function mergePoints(stored: SortedPoints, given: SortedPoints): { timesMs: Float64Array; values: Float64Array } {
  const a = stored.timesMs;
  const b = given.timesMs;
  const timesMs = new Float64Array(a.length + b.length);
  const values = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    if (j === b.length || (i < a.length && a[i]! < b[j]!)) {
      timesMs[n] = a[i]!;
      values[n++] = stored.values[i++]!;
    } else {
      if (i < a.length && a[i] === b[j]) i++; // replaced
      timesMs[n] = b[j]!;
      values[n++] = given.values[j++]!;
    }
  }
  return { timesMs: timesMs.subarray(0, n), values: values.subarray(0, n) };
}

/** `points` sorted by time (a series with repeated times must have been merged first). */
export function sortedByTime(points: SortedPoints): SortedPoints {
  const t = points.timesMs;
  let sorted = true;
  for (let i = 1; i < t.length && sorted; i++) sorted = t[i]! > t[i - 1]!;
  if (sorted) return points;
  const order = Array.from({ length: t.length }, (_, i) => i).sort((x, y) => t[x]! - t[y]!);
  return { timesMs: order.map((i) => t[i]!), values: order.map((i) => points.values[i]!) };
}
