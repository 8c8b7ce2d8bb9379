import { Influxd, uniqueDatabaseName } from '../servers/influxd.js';
import { InfluxV2Server } from '../servers/influxV2Server.js';
import {
  fromStoredName,
  predictionsFromPoints,
  predictionStorage,
  sensorLines,
  sensorProviders,
  toStoredName,
  type InfluxTarget,
} from '../integration/helpers/influx.js';
import { InfluxPredictionReader } from '../../providers/influx/InfluxPredictionReader.js';
import { describePredictionReaderContract } from './PredictionReaderContract.js';
import { describePredictionStorageContract } from './PredictionStorageContract.js';
import { describeSensorDataContract } from './SensorDataContract.js';
import { describeSensorInformationContract } from './SensorInformationContract.js';

// The influx providers in v1 mode against a real influxd 1.6 (one server for the file, one database per test).

describe('influx providers (v1 API) on a real influxd', function () {
  this.timeout(60_000);
  let server: Influxd;
  before(async () => {
    server = await Influxd.launch();
  });
  after(async () => {
    await server?.remove();
  });

  async function freshTarget(): Promise<InfluxTarget & { cleanup: () => Promise<void>; database: string }> {
    const database = uniqueDatabaseName('contract');
    await server.createDatabase(database);
    return {
      database,
      raw: { url: server.url, api: 'v1', database },
      writeRaw: (lines) => server.write(database, lines),
      cleanup: () => server.dropDatabase(database),
    };
  }

  for (const layout of [
    { name: 'sensor names in a tag', extra: {} },
    { name: 'a measurement per sensor', extra: { measurement_per_sensor: true } },
  ]) {
    describeSensorDataContract(`InfluxSensorDataProvider, v1, ${layout.name}`, async () => {
      const target = await freshTarget();
      const { data, config } = sensorProviders(target, layout.extra);
      return {
        provider: data,
        cleanup: target.cleanup,
        seed: (tags, points) => target.writeRaw(sensorLines(config.sensors, tags, points)),
      };
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
      storage,
      cleanup: target.cleanup,
      async readBack(project, model, revision) {
        const answer = await server.query(
          `SELECT "value" FROM "prediction" WHERE "project" = '${esc(toStoredName(project))}' AND "model" = '${esc(toStoredName(model))}' ` +
            `AND "revision" = '${esc(toStoredName(revision))}' GROUP BY "output", "tag"`,
          target.database,
        );
        return predictionsFromPoints(
          (answer.results?.[0]?.series ?? []).flatMap((s) =>
            (s.values ?? []).map(([t, v]) => ({
              timeMs: t as number,
              value: v as number,
              output: s.tags?.output ?? '',
              sensor: fromStoredName(s.tags?.tag ?? ''),
            })),
          ),
        );
      },
    };
  });

  describePredictionReaderContract(
    'InfluxPredictionReader, v1',
    async () => {
      const target = await freshTarget();
      const { storage, client, config } = predictionStorage(target);
      return { storage, reader: new InfluxPredictionReader(client, config.predictions), cleanup: target.cleanup };
    },
    { forecasts: true, newestRevisionInRange: true, details: true },
  );

  // v2 mode reads predictions with InfluxQL on the v1 compatibility endpoint /query. The loopback 2.x server
  // answers Flux itself and passes /query to this influxd (writes are mirrored into a database per bucket).
  describe('v2 API: /query through the loopback 2.x server', () => {
    let v2: InfluxV2Server;
    before(async () => {
      v2 = await InfluxV2Server.start('v2-token', { influxQL: server.url });
    });
    after(async () => {
      await v2?.close();
    });

    describePredictionReaderContract(
      'InfluxPredictionReader, v2',
      async () => {
        const bucket = uniqueDatabaseName('contract_v2');
        v2.createBucket(bucket);
        const { storage, client, config } = predictionStorage({
          raw: { url: v2.url, api: 'v2', org: 'acme', bucket, token: 'v2-token' },
          writeRaw: () => Promise.reject(new Error('not used')),
        });
        return { storage, reader: new InfluxPredictionReader(client, config.predictions), cleanup: () => v2.deleteBucket(bucket) };
      },
      { forecasts: true, newestRevisionInRange: true, details: true },
    );
  });
});

/** The test's own InfluxQL string escaping (independent of the provider's). */
function esc(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n');
}
