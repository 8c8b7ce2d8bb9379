import { expect } from 'chai';
import { InfluxSensorWriter } from '../../providers/influx/InfluxSensorWriter.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { Influxd, uniqueDatabaseName } from '../servers/influxd.js';
import { hostileNames, sensorProviders } from './helpers/influx.js';

const T0 = Date.UTC(2026, 0, 1);
const RES = 10_000;
const POINTS = 30;
const range = { fromMs: T0, toMs: T0 + POINTS * RES };

/**
 * InfluxSensorWriter (what `latigo import` and the ingest endpoint write through) against a real influxd:
 * points of sensors with hostile names read back through the influx SensorDataProvider and listed with
 * their asset and unit by the SensorInformationProvider; a rewrite of the same points replaces them.
 */
describe('influx: InfluxSensorWriter on a real influxd (v1 API)', function () {
  this.timeout(180_000);
  let server: Influxd;
  before(async () => {
    server = await Influxd.launch();
  });
  after(async () => {
    await server?.remove();
  });

  const tags: SensorTag[] = hostileNames.map((name, i) =>
    i % 2 === 0 ? { name, asset: `asset ${name}`, unit: `unit ${name}` } : { name, asset: '' },
  );
  const series = (offset: number) =>
    tags.map((tag, i) => ({
      sensor: tag.name,
      timesMs: Array.from({ length: POINTS }, (_, j) => T0 + j * RES),
      values: Array.from({ length: POINTS }, (_, j) => offset + i * 1000 + j),
    }));

  for (const layout of [
    { name: 'sensor names in a tag', extra: {} },
    { name: 'a measurement per sensor', extra: { measurement_per_sensor: true } },
  ]) {
    it(`writes points of hostile sensor names that read back as written, and a rewrite replaces them (${layout.name})`, async () => {
      const database = uniqueDatabaseName('writer');
      await server.createDatabase(database);
      const providers = sensorProviders(
        { raw: { url: server.url, api: 'v1', database }, writeRaw: (lines) => server.write(database, lines) },
        layout.extra,
      );
      const writer = new InfluxSensorWriter(providers.client, providers.config.sensors);
      await writer.defineSensors(tags);
      const progress: number[] = [];
      const withBad = series(0).map((s, i) =>
        i === 0 ? { ...s, values: s.values.map((v, j) => (j === 3 ? NaN : j === 4 ? Infinity : v)) } : s,
      );
      expect(await writer.writePoints(withBad, { onProgress: (n) => progress.push(n) })).to.deep.equal({
        written: tags.length * POINTS - 2,
        nonFinite: 2,
      });
      expect(progress.at(-1)).to.equal(tags.length * POINTS - 2);

      const first = await providers.data.getData(tags, range, RES);
      expect(first.tags.map((t) => t.name)).to.deep.equal([...hostileNames]);
      first.columns.forEach((column, i) => {
        const expected = Array.from({ length: POINTS }, (_, j) => (i === 0 && (j === 3 || j === 4) ? NaN : i * 1000 + j));
        expect(Array.from(column), hostileNames[i]).to.deep.equal(expected);
      });
      // The asset and unit given to defineSensors are on the points, so the sensor is described by them.
      const listed = await providers.information.listSensors();
      expect(listed.map((t) => t.name).sort()).to.deep.equal([...hostileNames].sort());
      for (const tag of tags.filter((t) => t.asset !== ''))
        expect(
          listed.find((t) => t.name === tag.name),
          tag.name,
        ).to.deep.equal(tag);

      // The same times written again (an import re-run) replace the values: no duplicate points.
      await writer.writePoints(series(0.5));
      const second = await providers.data.getData(tags, range, RES);
      second.columns.forEach((column, i) =>
        expect(Array.from(column), hostileNames[i]).to.deep.equal(Array.from({ length: POINTS }, (_, j) => 0.5 + i * 1000 + j)),
      );
      const from = layout.extra.measurement_per_sensor ? '/.*/' : '"sensor"';
      const counted = await server.query(`SELECT count("value") FROM ${from}`, database);
      const total = (counted.results?.[0]?.series ?? []).reduce((n, s) => n + Number(s.values?.[0]?.[1] ?? 0), 0);
      expect(total).to.equal(tags.length * POINTS);
      await server.dropDatabase(database);
    });
  }
});
