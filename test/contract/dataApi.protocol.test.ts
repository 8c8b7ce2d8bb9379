import { expect } from 'chai';
import { dataApiProviders, dataApiTestConfig, readBackPredictions } from '../fixtures/dataApiSubjects.js';
import { DataApiServer } from '../servers/dataApiServer.js';
import { DataApiPredictionReader } from '../../providers/data-api/DataApiPredictionReader.js';
import { InMemoryModelCatalog } from '../fakes/InMemoryModelCatalog.js';
import { describePredictionReaderContract, type PredictionReaderSubject } from './PredictionReaderContract.js';
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
      const ids = new Map(
        tags.map((t) => [t.name, server.addSeries({ name: t.name, facility: t.asset, ...(t.unit ? { unit: t.unit } : {}) })]),
      );
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
    facility: { default: '1000' },
    output: { naming: '{tag}|{model}|{revision}|{operation}', points_per_request: 100 },
  });
  const { storage } = dataApiProviders(config);
  return {
    storage,
    readBack: async (project, model, revision) =>
      readBackPredictions(server, config, { project, model, revision }, ['flow', 'pressure\nout'], '1000'),
    cleanup: () => server.close(),
  };
});

// The reader names a model's series from the catalogue: here one that learns each model revision as it is
// stored, as a real catalogue knows every model that predicts. {project} and {revision} in the names keep
// projects and revisions apart. The store keeps the Python latigo's series (no model details) and forecasts as named series.
async function readerSubject(): Promise<PredictionReaderSubject> {
  const server = await DataApiServer.start({ pagePoints: 3 });
  const config = dataApiTestConfig(server, {
    facility: { default: '1000' },
    output: { naming: '{tag}|{project}|{model}|{revision}|{operation}', points_per_request: 100 },
  });
  const { storage, client, directory } = dataApiProviders(config);
  const catalogue = new InMemoryModelCatalog();
  return {
    storage: {
      store(set, options) {
        const tags = set.tagNames.map((name) => ({ name, asset: '1000' }));
        catalogue.put({
          project: set.project,
          name: set.model,
          revision: set.revision,
          inputTags: tags,
          targetTags: tags,
          resolutionMs: 10_000,
          trainingRange: { fromMs: 0, toMs: 1 },
        });
        return storage.store(set, options);
      },
    },
    reader: new DataApiPredictionReader(client, directory, config, () => Promise.resolve(catalogue)),
    cleanup: () => server.close(),
  };
}

describePredictionReaderContract('data_api (loopback protocol)', readerSubject, {
  forecasts: true,
  newestRevisionInRange: false,
  details: false,
});

// A Data API series holds one value per timestamp, so the forecast series hold the latest issue per target
// time (providers/data-api/README.md): a past issue reads without the target times a later one forecast again.
describe('DataApiPredictionReader forecasts (loopback protocol)', () => {
  it('reads a past issue up to where a later issue took over, and NaN where a bound was not finite', async () => {
    const subject = await readerSubject();
    try {
      const T0 = Date.UTC(2026, 0, 1);
      const step = 60_000;
      const model = { project: 'p', name: 'm' };
      const points = (issuedAtMs: number, level: number) =>
        [1, 2, 3].map((k) => ({ timeMs: issuedAtMs + k * step, yhat: [level + k], lower: [level + k - 1], upper: [level + k + 1] }));
      const issue = (issuedAtMs: number, forecast: ReturnType<typeof points>) => ({
        project: model.project,
        model: model.name,
        revision: 'r1',
        window: { fromMs: issuedAtMs - step, toMs: issuedAtMs },
        tagNames: ['t'],
        rows: [{ timeMs: issuedAtMs - step, outputs: [1], contributions: [0], totalAnomaly: 0, threshold: 1, isAnomaly: false }],
        forecast: { issuedAtMs, coverage: 0.9, points: forecast },
      });
      const first = points(T0, 100);
      const withNaN = first.map((p, i) => (i === 0 ? { ...p, lower: [NaN] } : p));
      const stored = await subject.storage.store(issue(T0, withNaN));
      expect(stored.droppedNonFinite).to.equal(1);
      // Issued two steps later: its first target is the first issue's third.
      const second = points(T0 + 2 * step, 200);
      await subject.storage.store(issue(T0 + 2 * step, second));

      const past = await subject.reader.readForecast!(model, { asOfMs: T0 + step });
      expect(past).to.deep.include({ issuedAtMs: T0, coverage: 0.9, tagNames: ['t'] });
      expect(past!.points.map((p) => p.timeMs)).to.deep.equal([T0 + step, T0 + 2 * step]);
      expect(past!.points[0]!.lower[0]).to.be.NaN;
      expect(past!.points[1]).to.deep.equal(first[1]);
      expect((await subject.reader.readForecast!(model))!.points).to.deep.equal(second);
    } finally {
      await subject.cleanup();
    }
  });
});
