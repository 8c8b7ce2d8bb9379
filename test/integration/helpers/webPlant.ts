import { DatabaseTaskQueue } from '../../../providers/database-queue/DatabaseTaskQueue.js';
import { parseEmbeddedQueueConfig } from '../../../providers/database-queue/config.js';
import { DatabasePredictionStorage } from '../../../providers/embedded/DatabasePredictionStorage.js';
import { EmbeddedModelRegistry, type ModelDefinition } from '../../../providers/embedded/EmbeddedModelRegistry.js';
import { EmbeddedSensorStore, type SensorPoints } from '../../../providers/embedded/EmbeddedSensorStore.js';
import type { PredictionRow } from '../../../src/domain/Prediction.js';
import { newTask } from '../../../src/domain/Task.js';
import { encodeTask } from '../../../src/domain/taskCodec.js';
import { timeRange } from '../../../src/domain/TimeRange.js';
import { SqlClient } from '../../../src/persistence/sql/SqlClient.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openWorkspaceDatabase } from './fleet.js';

const DAY_MS = 86_400_000;

/** What the web page's scale test looks at: thousands of models, one with a week of 10 s data, dead letters. */
export interface WebPlant {
  /** The model with `weekTags` tags of 10 s data and predictions over the last 7 days. */
  weekModel: { project: string; model: string; revision: string; fromMs: number; toMs: number; rows: number; tags: number };
  /** Anomalous stretches seeded in the week model's predictions, [from, to) epoch ms. */
  anomalies: { fromMs: number; toMs: number }[];
  models: number;
  deadLetterIds: string[];
}

/**
 * Seeds a plant through the embedded providers' write methods: `models` small models split over two projects
 * (catalogue only), one model with `tags` tags of 7 days at 10 s (sensor points and predictions, a few
 * anomalous stretches), and `deadLetters` dead-lettered tasks of that model's windows.
 */
export async function seedWebPlant(
  database: string,
  spec: { models: number; tags: number; deadLetters: number; nowMs: number },
): Promise<WebPlant> {
  const db = await openWorkspaceDatabase(database);
  try {
    const registry = new EmbeddedModelRegistry(db, { models: [] }, silentLogger);
    const resolutionMs = 10_000;
    const toMs = Math.floor(spec.nowMs / 600_000) * 600_000;
    const fromMs = toMs - 7 * DAY_MS;
    const definitions: ModelDefinition[] = Array.from({ length: spec.models }, (_, m) => ({
      project: m % 3 === 0 ? 'fleet-b' : 'fleet-a',
      name: `model-${String(m).padStart(5, '0')}`,
      inputTags: [`m${m}/tag-0`, `m${m}/tag-1`],
      resolutionMs: 60_000,
      trainingRange: timeRange(fromMs - DAY_MS, fromMs),
    }));
    const tagNames = Array.from({ length: spec.tags }, (_, t) => `compressor-7/tag-${t}`);
    definitions.push({
      project: 'plant',
      name: 'compressor-7',
      inputTags: tagNames,
      resolutionMs,
      trainingRange: timeRange(fromMs - DAY_MS, fromMs),
    });
    const summaries = await registry.saveModels(definitions);
    const week = summaries.find((s) => s.name === 'compressor-7')!;

    const rows = (toMs - fromMs) / resolutionMs;
    const timesMs = Array.from({ length: rows }, (_, i) => fromMs + i * resolutionMs);
    const store = new EmbeddedSensorStore(db, silentLogger);
    await store.upsertSensors(tagNames.map((name) => ({ name, asset: 'compressor-7', unit: 'u' })));
    const value = (i: number, t: number) => 10 * (t + 1) + 3 * Math.sin(i / 8640 + t) + Math.sin(i / 37 + t * 1.7);
    const points: SensorPoints[] = tagNames.map((sensor, t) => ({ sensor, timesMs, values: timesMs.map((_, i) => value(i, t)) }));
    await store.insertPoints(points);

    // Three anomalous stretches of 20 minutes each, spread over the week.
    const anomalies = [0.3, 0.6, 0.9].map((share) => {
      const start = fromMs + Math.round((share * rows) / 360) * 360 * resolutionMs;
      return { fromMs: start, toMs: start + 20 * 60_000 };
    });
    const anomalous = (timeMs: number) => anomalies.some((a) => timeMs >= a.fromMs && timeMs < a.toMs);
    const predictionRows: PredictionRow[] = timesMs.map((timeMs, i) => {
      const score = anomalous(timeMs) ? 2 + Math.abs(Math.sin(i)) : 0.3 + 0.2 * Math.abs(Math.sin(i / 50));
      return {
        timeMs,
        outputs: tagNames.map((_, t) => value(i, t) - 0.3 * Math.sin(i / 37 + t * 1.7)),
        contributions: tagNames.map((_, t) => (anomalous(timeMs) && t === 2 ? 0.7 : 0.3 / tagNames.length)),
        totalAnomaly: score,
        threshold: 1,
        isAnomaly: score > 1,
      };
    });
    await new DatabasePredictionStorage(db, silentLogger).store({
      project: week.project,
      model: week.name,
      revision: week.revision,
      window: timeRange(fromMs, toMs),
      tagNames,
      rows: predictionRows,
    });

    // Tasks of the week model's windows, dead-lettered as a permanent failure would leave them.
    const queue = new DatabaseTaskQueue(db, parseEmbeddedQueueConfig({}, 'task_queue'), silentLogger, { owner: 'test', clock: Date.now });
    const tasks = Array.from({ length: spec.deadLetters }, (_, k) =>
      newTask(week.project, week.name, week.revision, timeRange(toMs - (k + 2) * 600_000, toMs - (k + 1) * 600_000)),
    );
    await queue.send(tasks.map((task) => ({ id: task.id, body: encodeTask(task) })));
    const received = await queue.receive({ maxMessages: tasks.length });
    for (const message of received) await queue.deadLetter(message, 'permanent: the historian refused the tag list (seeded by the test)');
    return {
      weekModel: { project: week.project, model: week.name, revision: week.revision, fromMs, toMs, rows, tags: tagNames.length },
      anomalies,
      models: summaries.length,
      deadLetterIds: received.map((m) => m.id),
    };
  } finally {
    await db.close();
  }
}

/**
 * Stores one more window of the week model as an executor leaves it, but without an event in the outbox (as when
 * it was stored while a page's live feed was not yet subscribed): its sensor points, its predictions (score 0.5)
 * and its ledger row, succeeded.
 */
export async function storeWeekWindow(database: string, plant: WebPlant, fromMs: number, toMs: number): Promise<void> {
  const { project, model, revision, tags } = plant.weekModel;
  const db = await openWorkspaceDatabase(database);
  try {
    const tagNames = Array.from({ length: tags }, (_, t) => `compressor-7/tag-${t}`);
    const timesMs = Array.from({ length: (toMs - fromMs) / 10_000 }, (_, i) => fromMs + i * 10_000);
    await new EmbeddedSensorStore(db, silentLogger).insertPoints(
      tagNames.map((sensor, t) => ({ sensor, timesMs, values: timesMs.map(() => 10 * (t + 1)) })),
    );
    await new DatabasePredictionStorage(db, silentLogger).store({
      project,
      model,
      revision,
      window: timeRange(fromMs, toMs),
      tagNames,
      rows: timesMs.map((timeMs) => ({
        timeMs,
        outputs: tagNames.map((_, t) => 10 * (t + 1)),
        contributions: tagNames.map(() => 1 / tagNames.length),
        totalAnomaly: 0.5,
        threshold: 1,
        isAnomaly: false,
      })),
    });
    const task = newTask(project, model, revision, timeRange(fromMs, toMs));
    const now = Date.now();
    await new SqlClient(db).run(
      `INSERT INTO prediction_window (task_id, project, model, revision, from_ms, to_ms, state, origin, attempts, created_at, enqueued_at, started_at, finished_at)
      VALUES (?, ?, ?, ?, ?, ?, 'succeeded', 'schedule', 1, ?, ?, ?, ?)`,
      [task.id, project, model, revision, fromMs, toMs, now, now, now, now],
    );
  } finally {
    await db.close();
  }
}
