import { expect } from 'chai';
import { EmbeddedSensorStore } from '../../../providers/embedded/EmbeddedSensorStore.js';
import { SensorWatermarks } from '../../../src/ingest/SensorWatermarks.js';
import { WatermarkingSensorWriter } from '../../../src/ingest/WatermarkingSensorWriter.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openTempDatabase, type TempDatabase } from '../embedded/tempDatabase.js';

const T0 = Date.UTC(2026, 0, 1);

describe('SensorWatermarks through WatermarkingSensorWriter', () => {
  let temp: TempDatabase;
  let now = 1_000;

  beforeEach(async () => {
    temp = await openTempDatabase();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  it('records the latest and earliest time and the count per sensor, only growing, with one write record per sensor and write', async () => {
    const watermarks = new SensorWatermarks(temp.db, () => now);
    const writer = new WatermarkingSensorWriter(new EmbeddedSensorStore(temp.db, silentLogger), watermarks);
    await writer.writePoints([
      { sensor: 'a "quoted", tag', timesMs: [T0 + 2000, T0, T0 + 1000], values: [1, 2, 3] },
      { sensor: 'b', timesMs: [T0 + 500], values: [NaN] },
      { sensor: 'empty', timesMs: [], values: [] },
    ]);
    now = 2_000;
    // Late data for a (earlier than its watermark) and new data for b.
    await writer.writePoints([
      { sensor: 'a "quoted", tag', timesMs: [T0 - 5000], values: [4] },
      { sensor: 'b', timesMs: [T0 + 9000, T0 + 8000], values: [1, 2] },
    ]);
    const marks = await watermarks.get(['a "quoted", tag', 'b', 'empty', 'never']);
    expect([...marks.keys()].sort()).to.deep.equal(['a "quoted", tag', 'b']);
    expect(marks.get('a "quoted", tag')).to.deep.equal({
      sensor: 'a "quoted", tag',
      latestMs: T0 + 2000,
      earliestMs: T0 - 5000,
      points: 4,
      updatedAt: 2_000,
    });
    expect(marks.get('b')).to.include({ latestMs: T0 + 9000, earliestMs: T0 + 500, points: 3 });

    const writes = await watermarks.writesSince(0);
    expect(writes.map((w) => [w.sensor, w.fromMs - T0, w.toMs - T0, w.points, w.writtenAt])).to.deep.equal([
      ['a "quoted", tag', 0, 2000, 3, 1000],
      ['b', 500, 500, 1, 1000],
      ['a "quoted", tag', -5000, -5000, 1, 2000],
      ['b', 8000, 9000, 2, 2000],
    ]);
    expect(await watermarks.writesSince(writes[1]!.id)).to.have.length(2);
    expect(await watermarks.lastWriteId()).to.equal(writes[3]!.id);
    expect(await watermarks.pruneWrites(1_500)).to.equal(2);
    expect((await watermarks.list()).map((w) => w.sensor)).to.deep.equal(['a "quoted", tag', 'b']);
  });

  it('records nothing when the store refuses the write', async () => {
    const watermarks = new SensorWatermarks(temp.db, () => now);
    const writer = new WatermarkingSensorWriter(new EmbeddedSensorStore(temp.db, silentLogger), watermarks);
    let failed = false;
    await writer.writePoints([{ sensor: 'x', timesMs: [T0 + 0.5], values: [1] }]).catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(await watermarks.get(['x'])).to.have.property('size', 0);
    expect(await watermarks.lastWriteId()).to.equal(0);
  });
});
