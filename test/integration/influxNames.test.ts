import { expect } from 'chai';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { Influxd, uniqueDatabaseName } from '../servers/influxd.js';
import {
  fromStoredName,
  hostileNames,
  predictionStorage,
  sensorLines,
  sensorProviders,
  toStoredName,
  type InfluxTarget,
} from './helpers/influx.js';

const T0 = Date.UTC(2026, 0, 1);
const RES = 10_000;
const range = { fromMs: T0, toMs: T0 + 6 * RES };

describe('influx: hostile names on a real influxd (v1 API)', function () {
  this.timeout(180_000);
  let server: Influxd;
  let database: string;
  let target: InfluxTarget;
  before(async () => {
    server = await Influxd.launch();
    database = uniqueDatabaseName('names');
    await server.createDatabase(database);
    target = { raw: { url: server.url, api: 'v1', database }, writeRaw: (lines) => server.write(database, lines) };
  });
  after(async () => {
    await server?.remove();
  });

  const layouts = [
    { name: 'sensor names in a tag', extra: {}, storedNames: 'SHOW TAG VALUES FROM "sensor" WITH KEY = "tag"' },
    { name: 'a measurement per sensor', extra: { measurement_per_sensor: true }, storedNames: 'SHOW MEASUREMENTS' },
    {
      name: 'configured names with quotes, spaces, commas, equals signs and unicode',
      extra: { measurement: 'sensor data, "raw"', sensor_tag: 'sensor name', field: 'reading=v', asset_tag: 'ässet', unit_tag: "unit's" },
      storedNames: 'SHOW TAG VALUES FROM "sensor data, \\"raw\\"" WITH KEY = "sensor name"',
    },
  ];
  for (const layout of layouts) {
    describe(layout.name, () => {
      let providers: ReturnType<typeof sensorProviders>;
      const tags: SensorTag[] = hostileNames
        .map((name, i) => ({ name, asset: `asset ${name}`, unit: i % 2 === 0 ? `unit "${name}"` : undefined }))
        .map((t) => (t.unit === undefined ? { name: t.name, asset: t.asset } : { name: t.name, asset: t.asset, unit: t.unit }));
      const victim: SensorTag = { name: 'victim', asset: 'victims' };
      before(async () => {
        const db = uniqueDatabaseName('hostile');
        await server.createDatabase(db);
        target = { raw: { url: server.url, api: 'v1', database: db }, writeRaw: (lines) => server.write(db, lines) };
        providers = sensorProviders(target, layout.extra);
        // Every hostile sensor has points of its own value; the victim's values must never leak into them.
        const points = [
          ...tags.map((t, i) => ({ tag: t.name, timeMs: T0 + RES, value: i + 1 })),
          { tag: victim.name, timeMs: T0, value: 999 },
          { tag: victim.name, timeMs: T0 + RES, value: 999 },
        ];
        await target.writeRaw(sensorLines(providers.config.sensors, [...tags, victim], points));
      });

      it('reads every hostile name back as its own column, and nothing of any other sensor', async () => {
        const frame = await providers.data.getData(tags, range, RES);
        expect(frame.tags.map((t) => t.name)).to.deep.equal([...hostileNames]);
        expect(frame.columns.map((c) => c[1])).to.deep.equal(hostileNames.map((_, i) => i + 1));
        expect(frame.columns.map((c) => c[0]).every(Number.isNaN), 'no other sensor leaks into the first bucket').to.equal(true);
        expect(frame.quality.rawPoints).to.equal(hostileNames.length);
      });

      it('selects nothing for injection-shaped names that do not exist, and leaves the database intact', async () => {
        const probes = [
          'victim" OR 1=1 --',
          "victim' OR '1'='1",
          '"; DROP DATABASE "' + database,
          'victim\'; DROP MEASUREMENT "sensor"; --',
          'victim\\',
        ];
        const frame = await providers.data.getData(
          probes.map((name) => ({ name, asset: 'x' })),
          range,
          RES,
        );
        for (const column of frame.columns) expect(Array.from(column).every(Number.isNaN)).to.equal(true);
        expect(frame.quality.rawPoints).to.equal(0);
        for (const probe of probes) expect(await providers.information.sensorExists(probe), probe).to.equal(false);
        expect((await providers.data.getData([victim], range, RES)).columns[0]![0]).to.equal(999);
        const databases = await server.query('SHOW DATABASES');
        expect(databases.results?.[0]?.series?.[0]?.values?.flat()).to.include(database);
      });

      it('lists and describes hostile sensors with their asset and unit intact', async () => {
        const listed = await providers.information.listSensors();
        expect(listed).to.deep.equal([...tags, victim].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
        for (const tag of tags) {
          expect(await providers.information.describeSensor(tag.name), JSON.stringify(tag.name)).to.deep.equal(tag);
          expect(await providers.information.listSensors({ asset: tag.asset })).to.deep.equal([tag]);
        }
      });

      it('stores names that line protocol can carry as they are, and the others percent-encoded', async () => {
        const answer = await server.query(layout.storedNames, String(target.raw.database));
        const stored = (answer.results?.[0]?.series?.[0]?.values ?? []).map((row) => String(row.at(-1)));
        expect(stored)
          .to.include('comma, space and=equals')
          .and.include('x" OR 1=1 --')
          .and.include('ünïcödé 温度 🌡')
          .and.include('tab\there');
        expect(stored).to.include('%enc:line%0Abreak').and.include('%enc:C:%5Cplant%5C').and.include('%enc:%25enc:looks encoded');
        expect(stored.map(fromStoredName).sort()).to.deep.equal([...hostileNames, 'victim'].sort());
      });
    });
  }

  it('round-trips hostile project, model, revision and tag names through prediction storage', async () => {
    const { storage } = predictionStorage(target);
    const project = hostileNames[0]!;
    const model = 'x" OR 1=1 --\nmodel';
    const set = {
      project,
      model,
      revision: 'C:\\rev\\',
      window: range,
      tagNames: [...hostileNames],
      rows: [
        {
          timeMs: T0,
          outputs: hostileNames.map((_, i) => i),
          contributions: hostileNames.map((_, i) => i / 10),
          totalAnomaly: 3,
          threshold: 2,
          isAnomaly: true,
        },
      ],
    };
    expect(await storage.store(set)).to.deep.equal({ written: 1, droppedNonFinite: 0 });
    const answer = await server.query(
      `SELECT "value" FROM "prediction" WHERE "model" = '${toStoredName(model).replace(/'/g, "\\'")}' ` +
        `AND "output" = 'model-output' GROUP BY "tag", "project", "revision"`,
      String(target.raw.database),
    );
    const series = answer.results?.[0]?.series ?? [];
    expect(series.map((s) => fromStoredName(s.tags!.tag!)).sort()).to.deep.equal([...hostileNames].sort());
    for (const s of series) {
      expect(s.values?.[0]?.[1]).to.equal(hostileNames.indexOf(fromStoredName(s.tags!.tag!)));
      expect(fromStoredName(s.tags!.project!)).to.equal(project);
      expect(fromStoredName(s.tags!.revision!)).to.equal('C:\\rev\\');
    }
  });
});
