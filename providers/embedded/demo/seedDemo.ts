import type { ModelDefinition } from '../EmbeddedModelRegistry.js';
import type { DemoConfig } from './DemoConfig.js';
import type { ModelSummary } from '../../../src/domain/ModelDescription.js';
import type { SensorTag } from '../../../src/domain/SensorTag.js';
import type { TimeRange } from '../../../src/domain/TimeRange.js';
import type { Database } from '../../../src/persistence/dataSource.js';
import type { Logger } from '../../../src/runtime/logger.js';
import { clearDemo, countModels, insertFaults } from './demoTables.js';
import { demoSeries, generateDemoPlant, type DemoPlant } from './generateDemoPlant.js';
import { demoModelName } from './plantLayout.js';

/** The calls the seed makes on the embedded sensor store (EmbeddedSensorStore has them). */
export interface DemoSensorSink {
  upsertSensors(tags: readonly SensorTag[]): Promise<Map<string, number>>;
  /** `onProgress` receives the points inserted so far by this call. */
  insertPoints(
    points: { sensor: string; timesMs: ArrayLike<number>; values: ArrayLike<number> }[],
    options?: { onProgress?(inserted: number): void },
  ): Promise<{ inserted: number; nonFinite: number }>;
}

/** The model the demo declares per asset, in the shape EmbeddedModelRegistry.saveModel takes. */
export type DemoModelDefinition = ModelDefinition;
/** The registry call the seed makes (EmbeddedModelRegistry has it): all models in one transaction. */
export interface DemoModelSink {
  saveModels(definitions: readonly DemoModelDefinition[]): Promise<ModelSummary[]>;
}

export interface SeedProgress {
  readonly inserted: number;
  readonly total: number;
}

export interface SeedDemoOptions {
  store: DemoSensorSink;
  registry: DemoModelSink;
  db: Database;
  config: DemoConfig;
  /** The history ends here (usually now). */
  endMs: number;
  log: Logger;
  onProgress?(progress: SeedProgress): void;
  /** Replace an existing demo (its sensors, points, faults, models, predictions and ledger windows) instead of keeping it. */
  force?: boolean;
}

export type SeedDemoResult =
  | { readonly seeded: false; readonly reason: 'already_seeded' }
  | { readonly seeded: true; readonly plant: DemoPlant; readonly points: number; readonly models: number };

/**
 * True when the demo `config` describes has been seeded completely into `db`: its project holds a model
 * for every asset. Models are written last, so a seed that stopped half-way counts as not seeded and
 * the next seed redoes it from scratch.
 */
export async function isDemoSeeded(db: Database, config: Pick<DemoConfig, 'project' | 'assets'>): Promise<boolean> {
  return (await countModels(db, config.project)) >= config.assets;
}

/**
 * Writes the demo plant into the embedded providers: sensors and points through the store, the faults
 * into `demo_fault`, and one anomaly model per asset (all its tags, trained on the fault-free first part
 * of the history) through the registry. Does nothing when the demo is already seeded, unless `force`.
 */
export async function seedDemo(options: SeedDemoOptions): Promise<SeedDemoResult> {
  const { store, registry, db, config, log } = options;
  if (!options.force && (await isDemoSeeded(db, config))) {
    log.info('demo already seeded; keeping it', { project: config.project });
    return { seeded: false, reason: 'already_seeded' };
  }
  const plant = generateDemoPlant(config, options.endMs);
  // Leftovers of a forced or interrupted seed would mix two plants' points and faults.
  await clearDemo(db, config.project, plant.assets.map((a) => a.name));

  await store.upsertSensors(plant.assets.flatMap((asset) => asset.tags.map(({ name, asset: owner, unit }) => ({ name, asset: owner, unit }))));
  const total = plant.assets.reduce((sum, asset) => sum + asset.tags.length, 0) * plant.rowsPerTag;
  let done = 0;
  options.onProgress?.({ inserted: 0, total });
  for (const series of demoSeries(plant)) {
    const points = series.asset.tags.map((tag, i) => ({ sensor: tag.name, timesMs: series.timesMs, values: series.columns[i]! }));
    const before = done;
    const result = await store.insertPoints(points, { onProgress: (inserted) => options.onProgress?.({ inserted: before + inserted, total }) });
    done = before + result.inserted;
    options.onProgress?.({ inserted: done, total });
  }
  await insertFaults(db, plant.faults);

  // Models last and together: their presence is what marks the demo as seeded.
  await registry.saveModels(plant.assets.map((asset) => {
    const tags = asset.tags.map((t) => t.name);
    return {
      project: config.project, name: demoModelName(asset.name), inputTags: tags, targetTags: tags,
      resolutionMs: plant.resolutionMs, trainingRange: plant.training,
    };
  }));
  log.info('demo seeded', {
    project: config.project, assets: plant.assets.length, points: done, faults: plant.faults.length,
    historyFrom: new Date(plant.history.fromMs).toISOString(), trainingTo: new Date(plant.training.toMs).toISOString(),
  });
  return { seeded: true, plant, points: done, models: plant.assets.length };
}
