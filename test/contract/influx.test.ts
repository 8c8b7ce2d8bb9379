import { Influxd, uniqueDatabaseName } from '../servers/influxd.js';
import { fromStoredName, predictionsFromPoints, predictionStorage, sensorLines, sensorProviders, toStoredName, type InfluxTarget } from '../integration/helpers/influx.js';
import { describePredictionStorageContract } from './PredictionStorageContract.js';
import { describeSensorDataContract } from './SensorDataContract.js';
import { describeSensorInformationContract } from './SensorInformationContract.js';

// The influx providers in v1 mode against a real influxd 1.6 (one server for the file, one database per test).

describe('influx providers (v1 API) on a real influxd', function () {
  this.timeout(60_000);
  let server: Influxd;
  before(async () => { server = await Influxd.launch(); });
  after(async () => { await server?.remove(); });

  async function freshTarget(): Promise<InfluxTarget & { cleanup(): Promise<void>; database: string }> {
    const database = uniqueDatabaseName('contract');
    await server.createDatabase(database);
    return {
      database, raw: { url: server.url, api: 'v1', database },
      writeRaw: (lines) => server.write(database, lines),
      cleanup: () => server.dropDatabase(database),
    };
  }

  for (const layout of [{ name: 'sensor names in a tag', extra: {} }, { name: 'a measurement per sensor', extra: { measurement_per_sensor: true } }]) {
    describeSensorDataContract(`InfluxSensorDataProvider, v1, ${layout.name}`, async () => {
      const target = await freshTarget();
      const { data, config } = sensorProviders(target, layout.extra);
      return { provider: data, cleanup: target.cleanup, seed: (tags, points) => target.writeRaw(sensorLines(config.sensors, tags, points)) };
    });

    describeSensorInformationContract(`InfluxSensorInformation, v1, ${layout.name}`, async () => {
      const target = await freshTarget();
      const { information, config } = sensorProviders(target, layout.extra);
      return { provider: information, cleanup: target.cleanup, seed: (tags) => target.writeRaw(sensorLines(config.sensors, tags, [])) };
    });
  }

  describePredictionStorageContract('InfluxPredictionStorage, v1', async () => {
    const target = await freshTarget();
    const { storage } = predictionStorage(target);
    return {
      storage, cleanup: target.cleanup,
      async readBack(project, model, revision) {
        const answer = await server.query(
          `SELECT "value" FROM "prediction" WHERE "project" = '${esc(toStoredName(project))}' AND "model" = '${esc(toStoredName(model))}' ` +
          `AND "revision" = '${esc(toStoredName(revision))}' GROUP BY "output", "tag"`, target.database);
        return predictionsFromPoints((answer.results?.[0]?.series ?? []).flatMap((s) => (s.values ?? []).map(([t, v]) => ({
          timeMs: t as number, value: v as number, output: s.tags?.output ?? '', sensor: fromStoredName(s.tags?.tag ?? ''),
        }))));
      },
    };
  });
});

/** The test's own InfluxQL string escaping (independent of the provider's). */
function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n');
}
