import { DatabasePredictionStorage } from '../../providers/embedded/DatabasePredictionStorage.js';
import { DatabaseTaskQueue } from '../../providers/embedded/DatabaseTaskQueue.js';
import { EmbeddedModelRegistry } from '../../providers/embedded/EmbeddedModelRegistry.js';
import { EmbeddedSensorStore } from '../../providers/embedded/EmbeddedSensorStore.js';
import { parseEmbeddedModelInfoConfig, parseEmbeddedQueueConfig } from '../../providers/embedded/config.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { openTempDatabase } from '../unit/embedded/tempDatabase.js';
import { describeModelInformationContract } from './ModelInformationContract.js';
import { describePredictionStorageContract } from './PredictionStorageContract.js';
import { describeSensorDataContract } from './SensorDataContract.js';
import { describeSensorInformationContract } from './SensorInformationContract.js';
import { describeTaskQueueContract } from './TaskQueueContract.js';

// Each test gets a migrated SQLite file of its own in a fresh temporary folder.

describeTaskQueueContract('embedded DatabaseTaskQueue', async () => {
  const { db, cleanup } = await openTempDatabase();
  const config = parseEmbeddedQueueConfig(
    { visibility_timeout: '60s', max_attempts: 3, retry_backoff: '5s', max_retry_backoff: '1m', poll_interval: 10 }, 'task_queue');
  let now = Date.UTC(2026, 0, 1);
  const queue = new DatabaseTaskQueue(db, config, silentLogger, { owner: 'contract-test', clock: () => now });
  return {
    queue, cleanup,
    settings: { visibilityTimeoutMs: config.visibilityTimeoutMs, maxAttempts: config.maxAttempts, maxRetryBackoffMs: config.maxRetryBackoffMs },
    advanceClock: (ms: number) => { now += ms; },
  };
});

describeSensorDataContract('embedded EmbeddedSensorStore', async () => {
  const { db, cleanup } = await openTempDatabase();
  const store = new EmbeddedSensorStore(db, silentLogger);
  return {
    provider: store, cleanup,
    async seed(tags, points) {
      await store.upsertSensors(tags);
      const byTag = new Map<string, { sensor: string; timesMs: number[]; values: number[] }>();
      for (const p of points) {
        const series = byTag.get(p.tag) ?? { sensor: p.tag, timesMs: [], values: [] };
        series.timesMs.push(p.timeMs);
        series.values.push(p.value);
        byTag.set(p.tag, series);
      }
      await store.insertPoints([...byTag.values()]);
    },
  };
});

describeSensorInformationContract('embedded EmbeddedSensorStore', async () => {
  const { db, cleanup } = await openTempDatabase();
  const store = new EmbeddedSensorStore(db, silentLogger);
  return { provider: store, cleanup, seed: async (tags) => { await store.upsertSensors(tags); } };
});

describeModelInformationContract('embedded EmbeddedModelRegistry', async () => {
  const { db, cleanup } = await openTempDatabase();
  const registry = new EmbeddedModelRegistry(db, parseEmbeddedModelInfoConfig({}, 'model_info'), silentLogger);
  const sensors = new EmbeddedSensorStore(db, silentLogger);
  const names = (tags: readonly SensorTag[]) => tags.map((t) => t.name);
  return {
    provider: registry, cleanup,
    async seed(models) {
      await sensors.upsertSensors(models.flatMap((m) => [...m.inputTags, ...(m.targetTags ?? [])]));
      await registry.saveModels(models.map((m) => ({
        project: m.project, name: m.name, inputTags: names(m.inputTags), resolutionMs: m.resolutionMs, trainingRange: m.trainingRange,
        ...(m.targetTags === undefined ? {} : { targetTags: names(m.targetTags) }),
      })));
    },
  };
});

describePredictionStorageContract('embedded DatabasePredictionStorage', async () => {
  const { db, cleanup } = await openTempDatabase();
  const numbers = (json: string) => (JSON.parse(json) as (number | null)[]).map((v) => v ?? NaN);
  return {
    storage: new DatabasePredictionStorage(db, silentLogger), cleanup,
    async readBack(project, model, revision) {
      const rows = await db.dataSource.query(
        'SELECT time_ms, outputs, contributions, total_anomaly, threshold, is_anomaly FROM prediction WHERE project = ? AND model = ? AND revision = ? ORDER BY time_ms',
        [project, model, revision]) as { time_ms: number; outputs: string; contributions: string; total_anomaly: number | null; threshold: number | null; is_anomaly: number }[];
      return rows.map((r) => ({
        timeMs: r.time_ms, outputs: numbers(r.outputs), contributions: numbers(r.contributions),
        totalAnomaly: r.total_anomaly ?? NaN, threshold: r.threshold ?? NaN, isAnomaly: r.is_anomaly === 1,
      }));
    },
  };
});
