import { expect } from 'chai';
import { resample } from '../../src/domain/resample.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { Influxd, uniqueDatabaseName } from '../servers/influxd.js';
import { sensorLines, sensorProviders, type InfluxTarget } from './helpers/influx.js';

const T0 = Date.UTC(2026, 0, 1);
const RES = 10_000;

describe('influx: reads on a real influxd whose max-row-limit is 50 (v1 API)', function () {
  this.timeout(180_000);
  let server: Influxd;
  let target: InfluxTarget & { database: string };
  const tags: SensorTag[] = ['a', 'b', 'c'].map((name) => ({ name, asset: 'pump' }));
  // Irregular raw points: several per bucket at odd offsets, some buckets empty, a point exactly on a boundary.
  const points = tags
    .flatMap((tag, c) =>
      Array.from({ length: 400 }, (_, i) => ({ tag: tag.name, timeMs: T0 + i * 3_700 + c * 11, value: Math.sin(i / 7 + c) * 100 + c })),
    )
    .filter((p) => Math.floor((p.timeMs - T0) / RES) % 17 !== 5);

  before(async () => {
    server = await Influxd.launch({ maxRowLimit: 50 });
    const database = uniqueDatabaseName('reads');
    await server.createDatabase(database);
    target = {
      database,
      raw: { url: server.url, api: 'v1', database, chunk_size: 40 },
      writeRaw: (lines) => server.write(database, lines),
    };
    await target.writeRaw(sensorLines(sensorProviders(target).config.sensors, tags, points));
  });
  after(async () => {
    await server?.remove();
  });

  it('reads every bucket of a frame larger than the row limit, in chunks', async () => {
    const range = { fromMs: T0, toMs: T0 + 140 * RES };
    const frame = await sensorProviders(target).data.getData(tags, range, RES);
    const filled = frame.columns.reduce((sum, column) => sum + Array.from(column).filter((v) => !Number.isNaN(v)).length, 0);
    const expectedFilled = new Set(points.filter((p) => p.timeMs < range.toMs).map((p) => `${p.tag}@${Math.floor(p.timeMs / RES)}`)).size;
    expect(filled)
      .to.equal(expectedFilled)
      .and.be.greaterThan(3 * 50);
    // The same query without chunks is cut at the limit: the limit is real.
    const plain = await server.query(sensorProviders(target).data.rangeSpecifier(tags, range, RES), target.database);
    const plainRows = (plain.results?.[0]?.series ?? []).reduce((sum, s) => sum + (s.values?.length ?? 0), 0);
    expect(plainRows).to.equal(50);
  });

  it('gives exactly the frame the embedded store computes from the same raw points, on an unaligned window', async () => {
    const range = { fromMs: T0 + 4_321, toMs: T0 + 97 * RES + 1_234 };
    const frame = await sensorProviders(target).data.getData(tags, range, RES);
    const sorted = [...points].sort((a, b) => a.timeMs - b.timeMs);
    const expected = resample(tags, range, RES, {
      length: sorted.length,
      column: sorted.map((p) => tags.findIndex((t) => t.name === p.tag)),
      timeMs: sorted.map((p) => p.timeMs),
      value: sorted.map((p) => p.value),
    });
    expect(Array.from(frame.timestamps)).to.deep.equal(Array.from(expected.timestamps));
    frame.columns.forEach((column, c) =>
      column.forEach((v, j) => {
        const e = expected.columns[c]![j]!;
        if (Number.isNaN(e)) expect(v, `column ${c} bucket ${j}`).to.be.NaN;
        else expect(v, `column ${c} bucket ${j}`).to.be.closeTo(e, 1e-9);
      }),
    );
    expect(frame.quality.emptyBuckets).to.equal(expected.quality.emptyBuckets);
    // The database averages the raw points itself: what the provider reads, and counts, are the bucket means.
    expect(frame.quality.rawPoints).to.equal(expected.timestamps.length * tags.length - expected.quality.emptyBuckets);
  });

  it('shows in rangeSpecifier the exact InfluxQL it runs: running it gives the same buckets', async () => {
    const range = { fromMs: T0, toMs: T0 + 30 * RES };
    const { data } = sensorProviders(target);
    const specifier = data.rangeSpecifier(tags, range, RES);
    expect(specifier).to.equal(
      `SELECT mean("value") AS "mean" FROM "sensor" WHERE ("tag" = 'a' OR "tag" = 'b' OR "tag" = 'c') ` +
        `AND time >= ${T0}ms AND time < ${range.toMs}ms GROUP BY time(${RES}ms), "tag" fill(none)`,
    );
    const answer = await server.query(specifier, target.database);
    const frame = await data.getData(tags, range, RES);
    for (const series of answer.results?.[0]?.series ?? []) {
      const c = tags.findIndex((t) => t.name === series.tags?.tag);
      for (const [time, mean] of series.values ?? []) expect(frame.columns[c]![((time as number) - T0) / RES]).to.equal(mean);
    }
  });
});
