import { withBuiltInTables } from '../../fixtures/builtInMigrations.js';
import { openDatabase, type OpenDatabase as Database } from '../../../src/persistence/dataSource.js';
import { runMigrations } from '../../../src/persistence/migrate.js';
import type { PredictionTask } from '../../../src/domain/Task.js';
import { encodeTask } from '../../../src/domain/taskCodec.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import type { ModelSummary } from '../../../src/domain/ModelDescription.js';
import { parseEmbeddedQueueConfig } from '../../../providers/database-queue/config.js';
import { DatabaseTaskQueue } from '../../../providers/database-queue/DatabaseTaskQueue.js';
import { EmbeddedModelRegistry, type ModelDefinition } from '../../../providers/embedded/EmbeddedModelRegistry.js';
import { EmbeddedSensorStore, type SensorPoints } from '../../../providers/embedded/EmbeddedSensorStore.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A fixed past instant: every test window lies before "now", so backfill covers it deterministically. */
export const FLEET_START_MS = Date.parse('2025-01-01T00:00:00Z');

/** Many small anomaly models, each over its own sensors, with data for training and for prediction. */
export interface FleetSpec {
  models: number;
  tagsPerModel: number;
  /** Models whose sensors have no data after training: their windows end as insufficient data. */
  gappyModels?: number;
  project?: string;
  /** Where the 3 h of data begin (default FLEET_START_MS); e.g. near now, for a scheduler to find the windows due. */
  startMs?: number;
}

export interface Fleet {
  readonly models: ModelSummary[];
  readonly project: string;
  readonly resolutionMs: number;
  /** Training is [FLEET_START, +2 h); predictions are due in this range (1 h, data present). */
  readonly predictionRange: { fromMs: number; toMs: number };
}

export const fleetResolutionMs = MINUTE;

/** A `database.url` for `location`: a SQLite file path, or already a URL (`sqlite:...`, `postgres://...`). */
export function databaseUrl(location: string): string {
  return /^(sqlite:|postgres(ql)?:\/\/)/i.test(location) ? location : `sqlite:${location}`;
}

/** Opens the workspace database (a SQLite file path or a database URL) the way the CLI does (migrations applied). */
export async function openWorkspaceDatabase(location: string): Promise<Database> {
  const db = await openDatabase({ url: databaseUrl(location), busyTimeoutMs: 15_000, logQueries: false }, withBuiltInTables);
  await runMigrations(db);
  return db;
}

/**
 * Seeds the fleet through the embedded providers' own write methods: sensors and 3 h of points at 1-minute
 * resolution (two shared sinusoidal drivers plus deterministic noise, so the tags of a model correlate), and
 * one model per group of tags trained on the first 2 h.
 */
export async function seedFleet(database: string, spec: FleetSpec): Promise<Fleet> {
  const db = await openWorkspaceDatabase(database);
  try {
    const project = spec.project ?? 'fleet';
    const store = new EmbeddedSensorStore(db, silentLogger);
    const registry = new EmbeddedModelRegistry(db, { models: [] }, silentLogger);
    const startMs = spec.startMs ?? FLEET_START_MS;
    const training = { fromMs: startMs, toMs: startMs + 2 * HOUR };
    const predictionRange = { fromMs: training.toMs, toMs: training.toMs + HOUR };
    const gappy = spec.gappyModels ?? 0;
    const definitions: ModelDefinition[] = [];
    const sensors: { name: string; asset: string; unit: string }[] = [];
    const points: SensorPoints[] = [];
    const random = lcg(7);
    for (let m = 0; m < spec.models + gappy; m++) {
      const name = `${m < spec.models ? 'model' : 'gappy'}-${String(m).padStart(4, '0')}`;
      const tags = Array.from({ length: spec.tagsPerModel }, (_, t) => `${name}/tag-${t}`);
      sensors.push(...tags.map((tag) => ({ name: tag, asset: name, unit: 'u' })));
      const end = m < spec.models ? predictionRange.toMs : training.toMs;
      const timesMs = Array.from({ length: (end - training.fromMs) / MINUTE }, (_, i) => training.fromMs + i * MINUTE);
      tags.forEach((tag, t) => {
        const values = timesMs.map(
          (time) => (t + 1) * Math.sin(time / (37 * MINUTE) + m) + (2 - t) * Math.cos(time / (23 * MINUTE)) + 0.1 * (random() - 0.5),
        );
        points.push({ sensor: tag, timesMs, values });
      });
      definitions.push({ project, name, inputTags: tags, resolutionMs: MINUTE, trainingRange: training });
    }
    await store.upsertSensors(sensors);
    await store.insertPoints(points);
    const models = await registry.saveModels(definitions);
    return { models, project, resolutionMs: MINUTE, predictionRange };
  } finally {
    await db.close();
  }
}

/** Puts messages straight into the database queue (a SQLite file path or a database URL), as a second
 *  scheduler or a redelivery would. */
export async function sendTaskMessages(database: string, messages: readonly { id: string; body: string }[]): Promise<number> {
  const db = await openWorkspaceDatabase(database);
  try {
    const queue = new DatabaseTaskQueue(db, parseEmbeddedQueueConfig({}, 'task_queue'), silentLogger, { owner: 'test', clock: Date.now });
    return (await queue.send(messages)).sent;
  } finally {
    await db.close();
  }
}

export function taskMessage(task: PredictionTask): { id: string; body: string } {
  return { id: task.id, body: encodeTask(task) };
}

/** A small deterministic generator in [0, 1). */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
