import { PcaModelExecutionProvider } from '../../providers/embedded/anomaly/PcaModelExecutionProvider.js';
import { parseEmbeddedPredictorConfig } from '../../providers/embedded/config.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { GeneratedSensorData, MODEL, plantFrame, RESOLUTION_MS, TAGS } from '../fixtures/compressorPlant.js';
import { describeEmbeddedProviderContracts, type FreshDatabase } from '../fixtures/embeddedSubjects.js';
import { truncateAllTables, useThrowawayPostgres } from '../integration/helpers/postgres.js';
import { describeModelExecutionContract } from './ModelExecutionContract.js';

// The embedded providers' suites of embedded.test.ts and embeddedModelExecution.test.ts, on PostgreSQL:
// one throwaway database per run (see helpers/postgres.ts), migrated once; each test opens its own
// connection pool on emptied tables.
// TODO(lead): the DatabaseTaskQueue suite joins these with the PostgreSQL queue (SKIP LOCKED, LISTEN/NOTIFY).

describe('embedded providers on PostgreSQL', () => {
  const server = useThrowawayPostgres();
  const openFresh = async (): Promise<FreshDatabase> => {
    const db = await server.open();
    try {
      await truncateAllTables(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return { db, cleanup: () => db.close() };
  };

  describeEmbeddedProviderContracts('PostgreSQL', openFresh);

  describeModelExecutionContract('embedded PCA model on PostgreSQL', async () => {
    const { db, cleanup } = await openFresh();
    return {
      provider: new PcaModelExecutionProvider(db, new GeneratedSensorData(), parseEmbeddedPredictorConfig({}, 'predictor'), silentLogger),
      model: MODEL,
      normalFrame: (range) => plantFrame(TAGS, range, RESOLUTION_MS),
      cleanup,
    };
  });
});
