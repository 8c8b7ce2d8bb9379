import { dataApiProviders, dataApiTestConfig, readBackPredictions } from '../fixtures/dataApiSubjects.js';
import { DataApiServer } from '../servers/dataApiServer.js';
import { describePredictionStorageContract } from './PredictionStorageContract.js';
import { describeSensorDataContract } from './SensorDataContract.js';
import { describeSensorInformationContract } from './SensorInformationContract.js';

// The Data API providers (real axios client) against the loopback Data API server, which pages small so
// that every read crosses continuationTokens.

describeSensorDataContract('data_api (loopback protocol)', async () => {
  const server = await DataApiServer.start({ pagePoints: 2 });
  const { sensorData } = dataApiProviders(dataApiTestConfig(server));
  return {
    provider: sensorData,
    async seed(tags, points) {
      const ids = new Map(tags.map((t) => [t.name, server.addSeries({ name: t.name, facility: t.asset, ...(t.unit ? { unit: t.unit } : {}) })]));
      for (const p of points) {
        const id = ids.get(p.tag) ?? server.addSeries({ name: p.tag, facility: 'compressor 1' });
        ids.set(p.tag, id);
        // The API cannot hold NaN: a seeded NaN is stored as the null value the API's JSON would carry.
        server.addPoints(id, [{ time: new Date(p.timeMs).toISOString(), value: p.value, status: 192 }]);
      }
    },
    cleanup: () => server.close(),
  };
});

describeSensorInformationContract('data_api (loopback protocol)', async () => {
  const server = await DataApiServer.start({ pageItems: 2 });
  const { sensorInformation } = dataApiProviders(dataApiTestConfig(server));
  return {
    provider: sensorInformation,
    async seed(tags) {
      for (const t of tags) server.addSeries({ name: t.name, facility: t.asset, ...(t.unit ? { unit: t.unit } : {}) });
    },
    cleanup: () => server.close(),
  };
});

// Series names carry {revision} here: the contract keeps revisions apart. The default (the Python latigo's
// `<tag>|<model>|<operation>`) continues one series across revisions; dataApi.protocol.test.ts covers it.
describePredictionStorageContract('data_api (loopback protocol)', async () => {
  const server = await DataApiServer.start();
  const config = dataApiTestConfig(server, {
    facility: { default: '1000' }, output: { naming: '{tag}|{model}|{revision}|{operation}', points_per_request: 100 },
  });
  const { storage } = dataApiProviders(config);
  return {
    storage,
    readBack: async (project, model, revision) => readBackPredictions(server, config, { project, model, revision }, ['flow', 'pressure\nout'], '1000'),
    cleanup: () => server.close(),
  };
});
