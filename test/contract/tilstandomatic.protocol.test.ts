import type { SeedModel } from './ModelInformationContract.js';
import { describeModelInformationContract } from './ModelInformationContract.js';
import { describeSensorInformationContract } from './SensorInformationContract.js';
import { gordoResources, tilstandomaticProviders, tilstandomaticTestConfig } from '../fixtures/tilstandomaticSubjects.js';
import { gordoResource, TilstandomaticServer } from '../servers/tilstandomaticServer.js';

// The Tilstandomatic providers (real axios client, ETag revalidation on every call) against the loopback
// catalogue server.

describeModelInformationContract('tilstandomatic (loopback protocol)', async () => {
  const server = await TilstandomaticServer.start();
  const { models } = tilstandomaticProviders(tilstandomaticTestConfig(server.url));
  const seeded = new Map<string, SeedModel>();
  return {
    provider: models,
    async seed(list) {
      for (const m of list) seeded.set(JSON.stringify([m.project, m.name]), m);
      server.setResources(gordoResources(seeded.values()));
    },
    cleanup: () => server.close(),
  };
});

describeSensorInformationContract('tilstandomatic (loopback protocol)', async () => {
  const server = await TilstandomaticServer.start();
  const { sensors } = tilstandomaticProviders(tilstandomaticTestConfig(server.url));
  return {
    provider: sensors,
    async seed(tags) {
      const entries = tags.map((t) => ({ name: t.name, asset: t.asset, ...(t.unit ? { unit: t.unit } : {}) }));
      server.setResources([
        gordoResource('sensors', [
          {
            name: 'all-sensors',
            dataset: { tag_list: entries, train_start_date: '2026-01-01T00:00:00+00:00', train_end_date: '2026-02-01T00:00:00+00:00' },
          },
        ]),
      ]);
    },
    cleanup: () => server.close(),
  };
});
