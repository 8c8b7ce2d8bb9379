import { withBuiltInTables } from '../../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { EmbeddedSensorStore } from '../../../providers/embedded/EmbeddedSensorStore.js';
import type { SensorTag } from '../../../src/domain/SensorTag.js';
import { InvalidDataError } from '../../../src/runtime/errors.js';
import { openDatabase } from '../../../src/persistence/dataSource.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openTempDatabase, type TempDatabase } from './tempDatabase.js';

const T0 = Date.UTC(2026, 0, 1);
const RES = 10_000;
const flow: SensorTag = { name: 'flow', asset: 'pump', unit: 'm3/h' };
const head: SensorTag = { name: 'head', asset: 'pump' };

describe('EmbeddedSensorStore', () => {
  let temp: TempDatabase;
  let store: EmbeddedSensorStore;

  beforeEach(async () => {
    temp = await openTempDatabase();
    store = new EmbeddedSensorStore(temp.db, silentLogger);
    await store.upsertSensors([flow, head]);
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  const range = { fromMs: T0, toMs: T0 + 3 * RES };

  it('stores NaN and infinite values as gaps, counts them on insert, and counts them again on read', async () => {
    const result = await store.insertPoints([
      { sensor: 'flow', timesMs: [T0, T0 + 1, T0 + 2, T0 + RES], values: [1, NaN, Infinity, -Infinity] },
    ]);
    expect(result).to.deep.equal({ inserted: 4, nonFinite: 3 });
    const frame = await store.getData([flow], range, RES);
    expect(frame.columns[0]![0]).to.equal(1);
    expect(frame.columns[0]![1]).to.be.NaN;
    expect(frame.quality).to.include({ rawPoints: 4, nonFinite: 3, emptyBuckets: 2 });
  });

  it("reads a 1970-2100 range holding a few rows, with rows: 'present', as those rows alone (no grid of the range)", async () => {
    await store.insertPoints([
      { sensor: 'flow', timesMs: [T0, T0 + 1, T0 + 5 * RES], values: [1, 3, 5] },
      { sensor: 'head', timesMs: [T0 + 5 * RES], values: [7] },
    ]);
    const wide = { fromMs: Date.UTC(1970, 0, 1), toMs: Date.UTC(2100, 0, 1) };
    const frame = await store.getData([flow, head], wide, RES, { rows: 'present' });
    expect([...frame.timestamps]).to.deep.equal([T0, T0 + 5 * RES]);
    expect(frame.columns.map((column) => [...column])).to.deep.equal([
      [2, 5],
      [Number.NaN, 7],
    ]);
    expect(frame.quality.emptyBuckets).to.equal(2 * ((wide.toMs - wide.fromMs) / RES) - 3);
  });

  it('lets the last write win for a point inserted again at the same timestamp', async () => {
    await store.insertPoints([{ sensor: 'flow', timesMs: [T0, T0 + 1], values: [1, 2] }]);
    await store.insertPoints([{ sensor: 'flow', timesMs: [T0 + 1], values: [4] }]);
    const frame = await store.getData([flow], range, RES);
    expect(frame.columns[0]![0]).to.equal(2.5);
    expect(frame.quality.rawPoints).to.equal(2);
  });

  it('overwrites points met again, keeping the new points written before and after them', async () => {
    // On SQLite the re-sent points meet stored chunks, which are read, merged with them and written again.
    const seq = (from: number, n: number) => Array.from({ length: n }, (_, i) => T0 + (from + i) * 1_000);
    await store.insertPoints([{ sensor: 'flow', timesMs: seq(0, 1000), values: seq(0, 1000).map(() => 1) }]);
    const again = seq(-1000, 2500);
    const values = again.map((_, i) => (i === 1700 ? NaN : 2));
    expect(await store.insertPoints([{ sensor: 'flow', timesMs: again, values }])).to.deep.equal({ inserted: 2500, nonFinite: 1 });
    const frame = await store.getData([flow], { fromMs: T0 - 1000 * 1_000, toMs: T0 + 1500 * 1_000 }, 1_000);
    expect(frame.quality).to.include({ rawPoints: 2500, nonFinite: 1 });
    const column = [...frame.columns[0]!];
    expect(column.filter((v) => v === 2).length).to.equal(2499);
    expect(column[1700]).to.be.NaN;
  });

  it('inserts across statement and transaction boundaries and reports progress per committed batch', async () => {
    const count = 250_000; // more than one transaction of 20 statements of 10,666 rows
    const timesMs = Float64Array.from({ length: count }, (_, i) => T0 + i * 1_000);
    const values = Float64Array.from({ length: count }, (_, i) => i % 10);
    const progress: number[] = [];
    const result = await store.insertPoints([{ sensor: 'flow', timesMs, values }], { onProgress: (n) => progress.push(n) });
    expect(result).to.deep.equal({ inserted: count, nonFinite: 0 });
    expect(progress.length).to.equal(2);
    expect(progress.at(-1)).to.equal(count);
    const frame = await store.getData([flow], { fromMs: T0, toMs: T0 + count * 1_000 }, RES);
    expect(frame.quality).to.include({ rawPoints: count, emptyBuckets: 0 });
    expect(frame.columns[0]![7]).to.equal(4.5);
  });

  it('refuses points of unknown sensors, mismatched arrays and fractional timestamps, writing nothing', async () => {
    const attempts = [
      [{ sensor: 'nope', timesMs: [T0], values: [1] }],
      [{ sensor: 'flow', timesMs: [T0, T0 + 1], values: [1] }],
      [{ sensor: 'flow', timesMs: [T0 + 0.5], values: [1] }],
    ];
    for (const points of attempts) {
      const err = await store.insertPoints(points).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(points)).to.be.instanceOf(InvalidDataError);
    }
    expect((await store.getData([flow], range, RES)).quality.rawPoints).to.equal(0);
  });

  it('updates the asset and unit of an existing sensor and keeps its id', async () => {
    const before = await store.upsertSensors([flow]);
    const after = await store.upsertSensors([
      { name: 'flow', asset: 'pump 2', unit: 'l/s' },
      { name: 'flow', asset: 'pump 3' },
    ]);
    expect(after.get('flow')).to.equal(before.get('flow'));
    expect(await store.describeSensor('flow')).to.deep.equal({ name: 'flow', asset: 'pump 3' });
  });

  it('gives a tag requested twice the same column twice', async () => {
    await store.insertPoints([
      { sensor: 'flow', timesMs: [T0], values: [3] },
      { sensor: 'head', timesMs: [T0], values: [9] },
    ]);
    const frame = await store.getData([flow, head, flow], range, RES);
    expect(frame.tags.map((t) => t.name)).to.deep.equal(['flow', 'head', 'flow']);
    expect(frame.columns.map((c) => c[0])).to.deep.equal([3, 9, 3]);
  });

  it('reads a sensor another process added after this store first missed it', async () => {
    const late: SensorTag = { name: 'late', asset: 'pump' };
    expect((await store.getData([late], range, RES)).columns[0]![0]).to.be.NaN;
    const other = await openDatabase(
      {
        url: `sqlite:${String(temp.db.dataSource.options.database)}`,
        busyTimeoutMs: 5000,
        logQueries: false,
      },
      withBuiltInTables,
    );
    try {
      const seeder = new EmbeddedSensorStore(other, silentLogger);
      await seeder.upsertSensors([late]);
      await seeder.insertPoints([{ sensor: 'late', timesMs: [T0], values: [5] }]);
    } finally {
      await other.close();
    }
    expect((await store.getData([late], range, RES)).columns[0]![0]).to.equal(5);
  });

  it('describes its read as the SQL it runs, with the tag names quoted on one line', () => {
    const specifier = store.rangeSpecifier([flow, { name: 'two\n"lines"', asset: 'x' }], range, RES);
    expect(specifier).to.match(
      /^SELECT sensor_id, start_ms, points, times, vals FROM sensor_chunk WHERE sensor_id IN \(\?, \?\) AND start_ms >= \? AND start_ms < \? AND end_ms >= \?/,
    );
    expect(specifier).to.include('["flow","two\\n\\"lines\\""]');
    expect(specifier).to.include(`${T0 - 86_400_000}, ${T0 + 3 * RES}, ${T0}`);
    expect(specifier).to.not.include('\n');
  });

  it('translates a closed database into a permanent ProviderError', async () => {
    await temp.db.close();
    const err = await store.listSensors().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('name', 'ProviderError');
    expect(err).to.have.property('retryable', false);
  });

  it('as a SensorWriter, defines sensors and writes points, creating an undefined sensor with only its name', async () => {
    await store.defineSensors([flow]);
    const result = await store.writePoints([
      { sensor: 'flow', timesMs: [T0, T0 + RES], values: [1, NaN] },
      { sensor: 'new one', timesMs: [T0], values: [4] },
    ]);
    expect(result).to.deep.equal({ written: 3, nonFinite: 1 });
    expect(await store.describeSensor('new one')).to.deep.equal({ name: 'new one', asset: '' });
    expect(await store.describeSensor('flow')).to.deep.equal(flow);
    const frame = await store.getData([{ name: 'new one', asset: '' }], { fromMs: T0, toMs: T0 + RES }, RES);
    expect(Array.from(frame.columns[0]!)).to.deep.equal([4]);
  });
});
