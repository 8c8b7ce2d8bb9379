import { GordoClient } from '../../providers/gordo/client.js';
import { GordoModelExecutionProvider } from '../../providers/gordo/GordoModelExecutionProvider.js';
import { GordoModelInformationProvider } from '../../providers/gordo/GordoModelInformationProvider.js';
import type { SeedModel } from './ModelInformationContract.js';
import { describeModelInformationContract } from './ModelInformationContract.js';
import { describeModelExecutionContract } from './ModelExecutionContract.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { GeneratedSensorData, plantFrame, TAGS, TRAINING } from '../fixtures/compressorPlant.js';
import { gordoDate, specOf } from '../fixtures/gordoSubjects.js';
import { GordoServer, type GordoFlavour } from '../servers/gordoServer.js';

// The real axios client against the loopback Gordo server (test/servers/gordoServer.ts), for both server
// generations: protocol tests of the providers' contracts.
for (const flavour of ['0.57', '6.x'] as GordoFlavour[]) {
  describeModelInformationContract(`gordo ${flavour} (protocol)`, async () => {
    const server = await GordoServer.start({ flavour });
    const client = new GordoClient({ baseUrl: server.url, timeoutMs: 5_000, maxSockets: 4 });
    const deployed = new Map<string, string>();
    return {
      // The projects are configuration (no Gordo endpoint lists them): the operator names those the gateway serves.
      get provider() {
        return new GordoModelInformationProvider(client, { projects: server.projectNames() }, silentLogger);
      },
      async seed(models: readonly SeedModel[]) {
        const byProject = new Map<string, SeedModel[]>();
        for (const m of models) byProject.set(m.project, [...(byProject.get(m.project) ?? []), m]);
        for (const [project, list] of byProject) {
          const specs = list.map((m) => specOf(m));
          const fingerprint = JSON.stringify(specs);
          // A rebuild (new revision) only when the project's definition changed, as gordo-controller does.
          if (deployed.get(project) === fingerprint) continue;
          deployed.set(project, fingerprint);
          server.deploy(project, specs);
        }
      },
      cleanup: () => server.close(),
    };
  });

  describeModelExecutionContract(`gordo ${flavour} (protocol)`, async () => {
    const server = await GordoServer.start({ flavour });
    const client = new GordoClient({ baseUrl: server.url, timeoutMs: 5_000, maxSockets: 4 });
    server.deploy('plant', [
      {
        name: 'compressor-1',
        tags: TAGS.map((t) => t.name),
        resolution: '10S',
        trainStart: gordoDate(TRAINING.fromMs),
        trainEnd: gordoDate(TRAINING.toMs),
        aggregateThreshold: 1.5,
        smoothingWindow: 3,
      },
    ]);
    const info = new GordoModelInformationProvider(client, { projects: ['plant'] }, silentLogger);
    return {
      provider: new GordoModelExecutionProvider(
        client,
        new GeneratedSensorData(),
        { batchRows: 12, parallelism: 2, metadataCacheSize: 100 },
        silentLogger,
      ),
      model: await info.describeModel('plant', 'compressor-1'),
      normalFrame: (range) => plantFrame(TAGS, range, 10_000),
      cleanup: () => server.close(),
    };
  });
}
