import type { Container } from 'inversify';
import type { DemoConfig } from '../config/sections.js';
import { ModelExecutionProvider } from '../contracts/ModelExecutionProvider.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import { ModelWriter } from '../contracts/ModelWriter.js';
import { SensorWriter } from '../contracts/SensorWriter.js';
import type { ModelDescription } from '../domain/ModelDescription.js';
import { Database } from '../persistence/dataSource.js';
import type { Logger } from '../runtime/logger.js';
import { seedDemo, type DemoModelSink, type DemoSensorSink, type SeedDemoResult } from '../demo/index.js';
import { trainModels, type TrainingResult } from './modelCatalog.js';
import { withDemoSeedLock } from './demoSeedLock.js';
import { createProgress } from './progress.js';

/** The embedded sensor store and model registry, as the demo seed writes into them. */
export interface DemoSinks {
  store: DemoSensorSink;
  registry: DemoModelSink;
}

/** The demo writes through the SensorWriter and ModelWriter capabilities, which the embedded providers declare. */
export async function demoSinks(root: Container): Promise<DemoSinks> {
  if (!root.isBound(SensorWriter)) {
    throw new Error(
      'the demo writes its plant into the embedded sensor store; set sensor_information.type and sensor_data.type to embedded',
    );
  }
  if (!root.isBound(ModelWriter)) {
    throw new Error('the demo declares its models in the embedded model registry; set model_info.type to embedded');
  }
  return { store: await root.getAsync(SensorWriter), registry: await root.getAsync(ModelWriter) };
}

/** Seeds the demo plant (history ending now) with a progress bar; keeps an existing demo unless `force`. */
export async function seedDemoWithProgress(
  root: Container,
  config: DemoConfig,
  log: Logger,
  options: { force?: boolean } = {},
): Promise<SeedDemoResult> {
  const db = await root.getAsync<Database>(Database);
  const sinks = await demoSinks(root);
  const progress = createProgress('seeding demo points');
  try {
    // One seed at a time per database: another process seeding it is waited for, then its demo kept.
    return await withDemoSeedLock(db, () =>
      seedDemo({
        ...sinks,
        db,
        config,
        endMs: Date.now(),
        log,
        force: options.force ?? false,
        onProgress: ({ inserted, total }) => progress.update(inserted, total),
      }),
    );
  } finally {
    progress.stop();
  }
}

/** The demo project's models, described (training ranges included). */
export async function demoModels(root: Container, config: DemoConfig): Promise<ModelDescription[]> {
  const info = await root.getAsync(ModelInformationProvider);
  const summaries = await info.listModels(config.project);
  return Promise.all(summaries.map((m) => info.describeModel(m.project, m.name, { revision: m.revision })));
}

/** Trains the demo models up front, with progress, so two executors do not both train on first use. */
export async function trainDemoModels(root: Container, models: readonly ModelDescription[], signal: AbortSignal): Promise<TrainingResult> {
  const progress = createProgress('training demo models');
  try {
    return await trainModels(await root.getAsync(ModelInformationProvider), await root.getAsync(ModelExecutionProvider), models, {
      signal,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
  }
}

/**
 * The catch-up horizon for `start --demo`: the time since the end of the demo models' training range,
 * rounded up to whole intervals, so the scheduler's first pass queues every window of the seeded
 * post-training history (where the injected faults are) and predictions appear at once. It replaces the
 * configured horizon: a longer one would queue windows before the seeded history (no data), a shorter
 * one would skip faults. Without models the configured horizon stays.
 */
export function demoCatchUpHorizonMs(
  models: readonly ModelDescription[],
  nowMs: number,
  scheduler: { intervalMs: number; catchUpHorizonMs: number },
): number {
  if (models.length === 0) return scheduler.catchUpHorizonMs;
  const earliestTrainingEnd = Math.min(...models.map((m) => m.trainingRange.toMs));
  // Due ticks lie in (now - horizon, now]; the window of the first tick after the training end holds it.
  return Math.max(1, Math.ceil((nowMs - earliestTrainingEnd) / scheduler.intervalMs)) * scheduler.intervalMs;
}
