import type { DemoConfig } from './DemoConfig.js';
import type { TimeRange } from '../domain/TimeRange.js';
import { ConfigError } from '../runtime/errors.js';
import { assetSeries, type AssetSeries } from './assetSeries.js';
import { planFaults, type DemoFault } from './faults.js';
import { demoPlantLayout, type DemoPlantLayout } from './plantLayout.js';

/** The demo plant as seeded at one moment: its layout, history, training part and injected faults. */
export interface DemoPlant extends DemoPlantLayout {
  readonly project: string;
  /** All generated points lie in this range (multiples of the resolution). */
  readonly history: TimeRange;
  /** The fault-free first part of the history, which the models train on. */
  readonly training: TimeRange;
  readonly faults: readonly DemoFault[];
  /** Points per tag over the history. */
  readonly rowsPerTag: number;
}

/**
 * The demo plant whose history ends at `endMs` (rounded down to the resolution). Pure and deterministic:
 * the same config and end give the same plant. Points are not materialised here; `demoSeries` yields
 * them one asset at a time so memory stays bounded by the largest asset.
 * Throws ConfigError when the training part does not leave room for faults.
 */
export function generateDemoPlant(config: DemoConfig, endMs: number): DemoPlant {
  const resolution = config.resolutionMs;
  const rowsPerTag = Math.floor(config.historyMs / resolution);
  const trainingRows = Math.floor(config.trainingMs / resolution);
  if (trainingRows >= rowsPerTag) {
    throw new ConfigError('demo.training', `a duration shorter than demo.history (${config.historyMs} ms), so faults can follow training`);
  }
  if (trainingRows < 2) throw new ConfigError('demo.training', 'at least two rows at demo.resolution');
  const toMs = Math.floor(endMs / resolution) * resolution;
  const fromMs = toMs - rowsPerTag * resolution;
  const training = { fromMs, toMs: fromMs + trainingRows * resolution };
  const layout = demoPlantLayout(config);
  const faults = planFaults(layout, { fromMs: training.toMs, toMs }, config.faultsPerAsset);
  return { ...layout, project: config.project, history: { fromMs, toMs }, training, faults, rowsPerTag };
}

/** Each asset's history with its faults, generated lazily, one asset at a time. */
export function* demoSeries(plant: DemoPlant): Generator<AssetSeries> {
  for (const asset of plant.assets) yield assetSeries(plant, asset, plant.history, plant.faults);
}
