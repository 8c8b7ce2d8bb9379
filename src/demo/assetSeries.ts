import { bucketStarts } from '../domain/SensorFrame.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { DemoFault } from './faults.js';
import { waveValue, type DemoAsset, type DemoPlantLayout } from './plantLayout.js';
import { randomFor } from './random.js';

/** One asset's points over a range: a shared time axis and one column per tag (aligned with asset.tags). */
export interface AssetSeries {
  readonly asset: DemoAsset;
  readonly timesMs: Float64Array;
  readonly columns: readonly Float64Array[];
}

/** Noise is drawn per block of rows from a stream seeded by (plant seed, asset, block), so any range
 *  can be generated on its own and agrees point for point with a longer run over the same times. */
const BLOCK_ROWS = 360;

/**
 * The asset's readings at every multiple of the plant's resolution in `range`, with `faults` (of any
 * asset; the others are ignored) applied. Deterministic: the same layout, range and faults always give
 * the same numbers.
 */
export function assetSeries(layout: DemoPlantLayout, asset: DemoAsset, range: TimeRange, faults: readonly DemoFault[] = []): AssetSeries {
  const resolution = layout.resolutionMs;
  const timesMs = bucketStarts(range, resolution);
  const columns = asset.tags.map(() => new Float64Array(timesMs.length));
  const tagCount = asset.tags.length;
  let row = 0;
  while (row < timesMs.length) {
    const firstIndex = timesMs[row]! / resolution;
    const block = Math.floor(firstIndex / BLOCK_ROWS);
    const random = randomFor(layout.seed, 0x401e, asset.index, block);
    // Skip the draws of the block's rows before the range so values do not depend on where it starts.
    const skipped = (firstIndex - block * BLOCK_ROWS) * tagCount;
    for (let i = 0; i < skipped; i++) random.normal();
    const blockEnd = (block + 1) * BLOCK_ROWS;
    for (; row < timesMs.length && timesMs[row]! / resolution < blockEnd; row++) {
      const t = timesMs[row]!;
      const load = waveValue(asset.load.mean, asset.load.waves, t);
      const ambient = waveValue(layout.ambient.mean, layout.ambient.waves, t);
      for (let j = 0; j < tagCount; j++) {
        const tag = asset.tags[j]!;
        columns[j]![row] = tag.base + tag.loadGain * load + tag.ambientGain * ambient + tag.noiseStd * random.normal();
      }
    }
  }
  for (const fault of faults) {
    if (fault.asset !== asset.name) continue;
    const column = asset.tags.findIndex((tag) => tag.name === fault.sensor);
    if (column >= 0) applyFault(fault, timesMs, columns[column]!);
  }
  return { asset, timesMs, columns };
}

/** Changes the readings of one tag inside the fault interval, as the fault kind describes. */
function applyFault(fault: DemoFault, timesMs: Float64Array, values: Float64Array): void {
  const length = fault.toMs - fault.fromMs;
  for (let i = 0; i < timesMs.length; i++) {
    const t = timesMs[i]!;
    if (t < fault.fromMs || t >= fault.toMs) continue;
    switch (fault.kind) {
      case 'step':
      case 'spike':
        values[i]! += fault.magnitude;
        break;
      case 'drift':
        values[i]! += (fault.magnitude * (t - fault.fromMs)) / length;
        break;
      case 'stuck':
        values[i] = fault.magnitude;
        break;
    }
  }
}
