import { createHash } from 'node:crypto';
import type { ModelDescription } from '../../src/domain/ModelDescription.js';
import { InMemoryModelCatalog } from '../fakes/InMemoryModelCatalog.js';
import { InMemoryPredictionStorage } from '../fakes/InMemoryPredictionStorage.js';
import { InMemoryTaskQueue } from '../fakes/InMemoryTaskQueue.js';
import { describeModelInformationContract } from './ModelInformationContract.js';
import { describePredictionStorageContract } from './PredictionStorageContract.js';
import { describeTaskQueueContract } from './TaskQueueContract.js';

// The fakes other tests rely on must behave like the real providers, or those tests prove nothing.

describeTaskQueueContract('fake InMemoryTaskQueue', async () => {
  let now = Date.UTC(2026, 0, 1);
  const settings = { visibilityTimeoutMs: 60_000, maxAttempts: 3, retryBackoffMs: 1_000 };
  return {
    queue: new InMemoryTaskQueue({ ...settings, clock: () => now }),
    // The fake doubles its backoff per attempt without a cap.
    settings: { ...settings, maxRetryBackoffMs: settings.retryBackoffMs * 2 ** settings.maxAttempts },
    advanceClock: (ms: number) => {
      now += ms;
    },
    cleanup: async () => {},
  };
});

describePredictionStorageContract('fake InMemoryPredictionStorage', async () => {
  const storage = new InMemoryPredictionStorage();
  return {
    storage,
    cleanup: async () => {},
    readBack: async (project, model, revision) =>
      storage.rowsOf(project, model, revision).map((r) => ({
        timeMs: r.timeMs,
        outputs: r.outputs,
        contributions: r.contributions,
        totalAnomaly: r.totalAnomaly,
        threshold: r.threshold,
        isAnomaly: r.isAnomaly,
      })),
  };
});

describeModelInformationContract('fake InMemoryModelCatalog', async () => {
  const catalog = new InMemoryModelCatalog();
  return {
    provider: catalog,
    cleanup: async () => {},
    async seed(models) {
      for (const m of models) {
        const definition = { ...m, targetTags: m.targetTags ?? m.inputTags };
        const revision = createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 12);
        catalog.put({ ...definition, revision } satisfies ModelDescription);
      }
    },
  };
});
