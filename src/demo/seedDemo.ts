import type { ModelDefinition, ModelWriter } from '../contracts/ModelWriter.js';
import type { SensorWriter } from '../contracts/SensorWriter.js';
import type { DemoConfig } from './DemoConfig.js';
import type { Database } from '../persistence/Database.js';
import type { Logger } from '../runtime/logger.js';
import { clearDemo, countModels, insertFaults } from './demoTables.js';
import { demoSeries, generateDemoPlant, type DemoPlant } from './generateDemoPlant.js';
import { demoModelName } from './plantLayout.js';

/** The calls the seed makes on a sensor store: the SensorWriter capability (the embedded store has it). */
export type DemoSensorSink = Pick<SensorWriter, 'defineSensors' | 'writePoints'>;

/** The model the demo declares per asset, as the ModelWriter capability takes it. */
export type DemoModelDefinition = ModelDefinition;
/** The registry call the seed makes (ModelWriter; the embedded registry has it): all models in one transaction. */
export type DemoModelSink = Pick<ModelWriter, 'saveModels'>;

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
  await clearDemo(
    db,
    config.project,
    plant.assets.map((a) => a.name),
  );

  await store.defineSensors(
    plant.assets.flatMap((asset) => asset.tags.map(({ name, asset: owner, unit }) => ({ name, asset: owner, unit }))),
  );
  const total = plant.assets.reduce((sum, asset) => sum + asset.tags.length, 0) * plant.rowsPerTag;
  let done = 0;
  options.onProgress?.({ inserted: 0, total });
  const firstTag = new TagStats();
  for (const series of demoSeries(plant)) {
    if (series.asset === plant.assets[0]) firstTag.add(series.columns[0]!);
    const points = series.asset.tags.map((tag, i) => ({ sensor: tag.name, timesMs: series.timesMs, values: series.columns[i]! }));
    const before = done;
    const result = await store.writePoints(points, {
      onProgress: (inserted) => options.onProgress?.({ inserted: before + inserted, total }),
    });
    done = before + result.written;
    options.onProgress?.({ inserted: done, total });
  }
  await insertFaults(db, plant.faults);

  const others = config.jobKinds !== false ? otherKinds(config.project, plant, firstTag) : [];
  // Models last and together: their presence is what marks the demo as seeded.
  await registry.saveModels([
    ...plant.assets.map((asset) => {
      const tags = asset.tags.map((t) => t.name);
      return {
        project: config.project,
        name: demoModelName(asset.name),
        inputTags: tags,
        targetTags: tags,
        resolutionMs: plant.resolutionMs,
        trainingRange: plant.training,
      };
    }),
    ...others,
  ]);
  log.info('demo seeded', {
    project: config.project,
    assets: plant.assets.length,
    points: done,
    faults: plant.faults.length,
    historyFrom: new Date(plant.history.fromMs).toISOString(),
    trainingTo: new Date(plant.training.toMs).toISOString(),
  });
  return { seeded: true, plant, points: done, models: plant.assets.length + others.length };
}

/** Mean and standard deviation of one tag's values, accumulated over the seed's batches. */
class TagStats {
  private n = 0;
  private sum = 0;
  private sumSq = 0;
  add(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      this.n++;
      this.sum += v;
      this.sumSq += v * v;
    }
  }
  get mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }
  get std(): number {
    return this.n < 2 ? 1 : Math.sqrt(Math.max(0, this.sumSq / this.n - this.mean * this.mean)) || 1;
  }
}

/**
 * A forecast model and a threshold model on the first asset, beside the PCA models (README "Job types"): the
 * forecast on 5-minute rows with the daily season, refitted every 6 hours; the threshold rules at ±4 standard
 * deviations of the first tag, with a stuck check on the second.
 */
function otherKinds(project: string, plant: DemoPlant, firstTag: TagStats): DemoModelDefinition[] {
  const asset = plant.assets[0]!;
  const [tag, second] = asset.tags.map((t) => t.name);
  if (tag === undefined) return [];
  const band = { low: firstTag.mean - 4 * firstTag.std, high: firstTag.mean + 4 * firstTag.std };
  return [
    {
      project,
      name: `${asset.name}-forecast`,
      kind: 'forecast',
      inputTags: [tag],
      resolutionMs: 300_000,
      trainingRange: plant.training,
      parameters: {
        method: 'holt_winters',
        trend: 'damped',
        seasonality: 'additive',
        season_length: 288,
        max_n_points: 600,
        horizon: 36,
        refit_interval_ms: 6 * 3_600_000,
      },
    },
    {
      project,
      name: `${asset.name}-threshold`,
      kind: 'threshold',
      inputTags: second === undefined ? [tag] : [tag, second],
      resolutionMs: plant.resolutionMs,
      trainingRange: plant.training,
      parameters: {
        rules: [
          { type: 'outside', tag, low: band.low, high: band.high, hysteresis: firstTag.std / 2 },
          ...(second === undefined ? [] : [{ type: 'stuck', tag: second, points: 30 }]),
        ],
      },
    },
  ];
}
