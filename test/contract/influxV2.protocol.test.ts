import { expect } from 'chai';
import { InfluxV2Server } from '../servers/influxV2Server.js';
import {
  fromStoredName,
  predictionsFromPoints,
  predictionStorage,
  sensorLines,
  sensorProviders,
  type InfluxTarget,
} from '../integration/helpers/influx.js';
import { describePredictionStorageContract } from './PredictionStorageContract.js';
import { describeSensorDataContract } from './SensorDataContract.js';
import { describeSensorInformationContract } from './SensorInformationContract.js';

// The influx providers in v2 mode: the real @influxdata/influxdb-client against a loopback server that speaks
// the InfluxDB 2.x API (/api/v2/write line protocol, /api/v2/query Flux answered in annotated CSV).
// influxd 1.6 has no Flux, so this is where the v2 mode meets a server.

describe('influx providers (v2 API, protocol) on a loopback InfluxDB 2.x server', () => {
  let server: InfluxV2Server;
  let buckets = 0;
  before(async () => {
    server = await InfluxV2Server.start('v2-token');
  });
  after(async () => {
    await server?.close();
  });

  function freshTarget(): InfluxTarget & { bucket: string; cleanup: () => Promise<void> } {
    const bucket = `bucket-${++buckets}`;
    server.createBucket(bucket);
    return {
      bucket,
      raw: { url: server.url, api: 'v2', org: 'acme', bucket, token: 'v2-token' },
      // Seeds through the same HTTP API with plain fetch, as a collector would.
      writeRaw: async (lines) => {
        const response = await fetch(`${server.url}/api/v2/write?org=acme&bucket=${encodeURIComponent(bucket)}&precision=ms`, {
          method: 'POST',
          headers: { authorization: 'Token v2-token' },
          body: lines.join('\n'),
        });
        expect(response.status, await response.text()).to.equal(204);
      },
      cleanup: () => server.deleteBucket(bucket),
    };
  }

  for (const layout of [
    { name: 'sensor names in a tag', extra: {} },
    { name: 'a measurement per sensor', extra: { measurement_per_sensor: true } },
  ]) {
    describeSensorDataContract(`InfluxSensorDataProvider, v2, ${layout.name}`, async () => {
      const target = freshTarget();
      const { data, config } = sensorProviders(target, layout.extra);
      return {
        provider: data,
        cleanup: target.cleanup,
        seed: (tags, points) => target.writeRaw(sensorLines(config.sensors, tags, points)),
      };
    });

    describeSensorInformationContract(`InfluxSensorInformation, v2, ${layout.name}`, async () => {
      const target = freshTarget();
      const { information, config } = sensorProviders(target, layout.extra);
      return { provider: information, cleanup: target.cleanup, seed: (tags) => target.writeRaw(sensorLines(config.sensors, tags, [])) };
    });
  }

  describePredictionStorageContract('InfluxPredictionStorage, v2', async () => {
    const target = freshTarget();
    const { storage } = predictionStorage(target);
    return {
      storage,
      cleanup: target.cleanup,
      async readBack(project, model, revision) {
        return predictionsFromPoints(
          server
            .points(target.bucket)
            .filter(
              (p) =>
                p.measurement === 'prediction' &&
                [p.tags.project, p.tags.model, p.tags.revision].map((v) => fromStoredName(v ?? '')).join('\n') ===
                  [project, model, revision].join('\n'),
            )
            .map((p) => ({ timeMs: p.timeMs, value: p.value, output: p.tags.output ?? '', sensor: fromStoredName(p.tags.tag ?? '') })),
        );
      },
    };
  });

  it('selects nothing for injection-shaped names: each stays one Flux string', async () => {
    const target = freshTarget();
    const { data, information, config } = sensorProviders(target);
    const T0 = Date.UTC(2026, 0, 1);
    await target.writeRaw(sensorLines(config.sensors, [{ name: 'victim', asset: 'a' }], [{ tag: 'victim', timeMs: T0, value: 9 }]));
    const probes = ['victim" or r._field == "value', 'victim\\" or true or "', '${victim}', 'victim") |> drop(columns: ["tag"]) //'];
    const frame = await data.getData(
      probes.map((name) => ({ name, asset: 'a' })),
      { fromMs: T0, toMs: T0 + 10_000 },
      10_000,
    );
    expect(frame.columns.map((c) => c[0])).to.deep.equal(probes.map(() => NaN));
    for (const probe of probes) expect(await information.sensorExists(probe), probe).to.equal(false);
    expect((await data.getData([{ name: 'victim', asset: 'a' }], { fromMs: T0, toMs: T0 + 10_000 }, 10_000)).columns[0]![0]).to.equal(9);
  });

  it('sends the Flux that rangeSpecifier shows, with the token in the Authorization header', async () => {
    const target = freshTarget();
    const { data } = sensorProviders({ ...target, raw: { ...target.raw, token: 'wrong-token' } });
    const range = { fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2026, 0, 1, 0, 1) };
    const specifier = data.rangeSpecifier([{ name: 'x" or r._field == "value', asset: 'a' }], range, 10_000);
    expect(specifier).to.contain('r["tag"] == "x\\" or r._field == \\"value"').and.contain('aggregateWindow(every: 10000ms, fn: mean');
    const err = await data.getData([{ name: 'a', asset: 'x' }], range, 10_000).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message)
      .to.match(/HTTP 401: unauthorized access/)
      .and.not.contain('wrong-token');
  });
});
