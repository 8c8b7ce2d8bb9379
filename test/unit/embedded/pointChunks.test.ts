import { expect } from 'chai';
import { EmbeddedSensorStore } from '../../../providers/embedded/EmbeddedSensorStore.js';
import {
  CHUNK_MAX_POINTS,
  CHUNK_MAX_SPAN_MS,
  decodeChunk,
  mergePoints,
  sortedByTime,
  toChunks,
} from '../../../providers/embedded/pointChunks.js';
import type { SensorTag } from '../../../src/domain/SensorTag.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openTempDatabase, type TempDatabase } from './tempDatabase.js';

const T0 = Date.UTC(2026, 0, 1);
const seq = (from: number, n: number, stepMs = 1_000) => Array.from({ length: n }, (_, i) => T0 + (from + i) * stepMs);

describe('pointChunks (the SQLite point layout)', () => {
  it('round-trips times and values, non-finite values as NaN', () => {
    const timesMs = [T0, T0 + 1, T0 + 2_000, T0 + 3_000];
    const [chunk, ...rest] = toChunks({ timesMs, values: [1.5, NaN, Infinity, -0.25] });
    expect(rest).to.deep.equal([]);
    expect(chunk).to.include({ startMs: T0, endMs: T0 + 3_000, points: 4 });
    const decoded = decodeChunk(chunk!.startMs, chunk!.points, chunk!.times, chunk!.vals);
    expect([...decoded.timesMs]).to.deep.equal(timesMs);
    expect([...decoded.values]).to.deep.equal([1.5, NaN, NaN, -0.25]);
  });

  it('decodes blobs that are not aligned for their typed-array views', () => {
    const [chunk] = toChunks({ timesMs: [T0, T0 + 7], values: [3, 4] });
    const shifted = (b: Buffer) => {
      const view = Buffer.concat([Buffer.from([0]), b]).subarray(1);
      expect(view.byteOffset % 4).to.not.equal(0);
      return view;
    };
    const decoded = decodeChunk(T0, 2, shifted(chunk!.times), shifted(chunk!.vals));
    expect([...decoded.timesMs, ...decoded.values]).to.deep.equal([T0, T0 + 7, 3, 4]);
  });

  it(`cuts a series into chunks of at most ${CHUNK_MAX_POINTS} points`, () => {
    const timesMs = seq(0, 2 * CHUNK_MAX_POINTS + 1);
    const chunks = toChunks({ timesMs, values: timesMs.map(() => 1) });
    expect(chunks.map((c) => c.points)).to.deep.equal([CHUNK_MAX_POINTS, CHUNK_MAX_POINTS, 1]);
    expect(chunks[1]).to.include({ startMs: timesMs[CHUNK_MAX_POINTS], endMs: timesMs[2 * CHUNK_MAX_POINTS - 1] });
  });

  it('starts a new chunk past the span limit, so a chunk never spans more than CHUNK_MAX_SPAN_MS', () => {
    const timesMs = [T0, T0 + CHUNK_MAX_SPAN_MS, T0 + CHUNK_MAX_SPAN_MS + 1, T0 + 5 * CHUNK_MAX_SPAN_MS];
    const chunks = toChunks({ timesMs, values: [1, 2, 3, 4] });
    expect(chunks.map((c) => [c.startMs, c.endMs])).to.deep.equal([
      [T0, T0 + CHUNK_MAX_SPAN_MS],
      [T0 + CHUNK_MAX_SPAN_MS + 1, T0 + CHUNK_MAX_SPAN_MS + 1],
      [T0 + 5 * CHUNK_MAX_SPAN_MS, T0 + 5 * CHUNK_MAX_SPAN_MS],
    ]);
  });

  it('merges stored and given points in time order, the given value winning at an equal time', () => {
    const merged = mergePoints(
      { timesMs: [1, 3, 5, 7], values: [10, 30, 50, 70] },
      { timesMs: [0, 3, 6, 7, 9], values: [0, 3, 6, NaN, 9] },
    );
    expect([...merged.timesMs]).to.deep.equal([0, 1, 3, 5, 6, 7, 9]);
    expect([...merged.values]).to.deep.equal([0, 10, 3, 50, 6, NaN, 9]);
  });

  it('sorts a series given out of order, and returns a sorted one as it is', () => {
    const sorted = { timesMs: [1, 2, 3], values: [1, 2, 3] };
    expect(sortedByTime(sorted)).to.equal(sorted);
    expect(sortedByTime({ timesMs: [3, 1, 2], values: [30, 10, 20] })).to.deep.equal({ timesMs: [1, 2, 3], values: [10, 20, 30] });
  });
});

describe('EmbeddedSensorStore on SQLite (sensor_chunk)', () => {
  let temp: TempDatabase;
  let store: EmbeddedSensorStore;
  const flow: SensorTag = { name: 'flow', asset: 'pump' };
  const chunks = () =>
    temp.db.dataSource.query<{ start_ms: number; end_ms: number; points: number }[]>(
      'SELECT start_ms, end_ms, points FROM sensor_chunk ORDER BY sensor_id, start_ms',
    );
  /** The points read back at 1 s resolution over [from, to) seconds after T0: [time, value] of each present bucket. */
  const read = async (from: number, to: number) => {
    const frame = await store.getData([flow], { fromMs: T0 + from * 1_000, toMs: T0 + to * 1_000 }, 1_000, { rows: 'present' });
    return Array.from(frame.timestamps, (t, i) => [(t - T0) / 1_000, frame.columns[0]![i]!]);
  };

  beforeEach(async () => {
    temp = await openTempDatabase();
    store = new EmbeddedSensorStore(temp.db, silentLogger);
    await store.upsertSensors([flow]);
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('appends later writes to the last chunk until it is full, then starts a new one', async () => {
    for (let w = 0; w < 30; w++) {
      const timesMs = seq(10 * w, 10);
      await store.insertPoints([{ sensor: 'flow', timesMs, values: timesMs.map((_, i) => 10 * w + i) }]);
    }
    expect((await chunks()).map((c) => c.points)).to.deep.equal([CHUNK_MAX_POINTS, 300 - CHUNK_MAX_POINTS]);
    const points = await read(0, 300);
    expect(points).to.have.length(300);
    expect(points.every(([t, v]) => t === v)).to.equal(true);
  });

  it('replaces re-sent points (the last given wins), keeps the others, and counts each given point once', async () => {
    await store.insertPoints([{ sensor: 'flow', timesMs: seq(0, 600), values: seq(0, 600).map(() => 1) }]);
    const result = await store.insertPoints([
      { sensor: 'flow', timesMs: [...seq(250, 20), T0 + 255_000], values: [...seq(250, 20).map(() => 2), 3] },
    ]);
    expect(result).to.deep.equal({ inserted: 20, nonFinite: 0 });
    const points = await read(0, 600);
    expect(points).to.have.length(600);
    expect(points.filter(([, v]) => v === 2).map(([t]) => t)).to.deep.equal(
      [...Array(20).keys()].map((i) => 250 + i).filter((t) => t !== 255),
    );
    expect(points[255]).to.deep.equal([255, 3]);
    const stored = await chunks();
    expect(stored.reduce((n, c) => n + c.points, 0)).to.equal(600);
    for (let i = 1; i < stored.length; i++) expect(stored[i]!.start_ms).to.be.above(stored[i - 1]!.end_ms);
  });

  it('backfills before and between stored chunks without overlapping them', async () => {
    await store.insertPoints([{ sensor: 'flow', timesMs: [T0 + 100_000, T0 + 200_000], values: [1, 2] }]);
    await store.insertPoints([{ sensor: 'flow', timesMs: [T0, T0 + 150_000, T0 + 300_000], values: [0, 1.5, 3] }]);
    await store.insertPoints([{ sensor: 'flow', timesMs: [T0 + 50_000], values: [0.5] }]);
    expect(await read(0, 400)).to.deep.equal([
      [0, 0],
      [50, 0.5],
      [100, 1],
      [150, 1.5],
      [200, 2],
      [300, 3],
    ]);
  });

  it('reads a range that starts inside a chunk spanning most of a day', async () => {
    const timesMs = [T0, T0 + 3_600_000, T0 + CHUNK_MAX_SPAN_MS - 1_000, T0 + CHUNK_MAX_SPAN_MS + 5_000];
    await store.insertPoints([{ sensor: 'flow', timesMs, values: [1, 2, 3, 4] }]);
    expect((await chunks()).map((c) => c.points)).to.deep.equal([3, 1]);
    expect(await read(3_600, CHUNK_MAX_SPAN_MS / 1_000)).to.deep.equal([
      [3_600, 2],
      [CHUNK_MAX_SPAN_MS / 1_000 - 1, 3],
    ]);
  });
});
