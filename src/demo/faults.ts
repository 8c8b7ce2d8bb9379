import type { TimeRange } from '../domain/TimeRange.js';
import { ConfigError } from '../runtime/errors.js';
import { assetSeries } from './assetSeries.js';
import type { DemoPlantLayout } from './plantLayout.js';
import { randomFor, type Random } from './random.js';

export const FAULT_KINDS = ['drift', 'step', 'spike', 'stuck'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** An injected fault: the ground truth the detections are scored against (table `demo_fault`). */
export interface DemoFault {
  readonly asset: string;
  /** The tag whose readings are changed. */
  readonly sensor: string;
  readonly kind: FaultKind;
  /** Half-open interval [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** In the tag's unit: the offset added (a drift's offset at its end) or, for `stuck`, the frozen value. */
  readonly magnitude: number;
}

const MINUTE = 60_000;

/** Durations and sizes per kind. Sizes are in standard deviations of the tag under normal operation:
 *  large enough for a model that knows how the tags move together, yet each stays within or near the
 *  tag's normal range, so a per-tag threshold alone would miss most of them. */
const SHAPES: Record<FaultKind, { minMs: number; maxMs: number; minSigma: number; maxSigma: number }> = {
  drift: { minMs: 60 * MINUTE, maxMs: 120 * MINUTE, minSigma: 1.5, maxSigma: 2.5 },
  step: { minMs: 30 * MINUTE, maxMs: 90 * MINUTE, minSigma: 0.5, maxSigma: 1 },
  spike: { minMs: 2 * MINUTE, maxMs: 5 * MINUTE, minSigma: 1.5, maxSigma: 3 },
  stuck: { minMs: 60 * MINUTE, maxMs: 150 * MINUTE, minSigma: 0, maxSigma: 0 },
};
/** A fault fills at most this share of its slot; the rest stays normal, on both sides. */
const MAX_SLOT_SHARE = 0.6;
/** Fewest rows a fault spans, so even a spike survives resampling at the plant's resolution. */
const MIN_ROWS = 3;

/**
 * Plans `perAsset` faults for every asset inside `range` (the history after training). The range is cut
 * into equal slots, one fault per slot, assets shuffled over the slots and kinds taken in turn, so
 * faults never overlap, every kind occurs, and normal operation separates consecutive faults.
 * Throws ConfigError when the range is too short for that many faults.
 */
export function planFaults(layout: DemoPlantLayout, range: TimeRange, perAsset: number): DemoFault[] {
  const resolution = layout.resolutionMs;
  const slotCount = layout.assets.length * perAsset;
  if (slotCount === 0) return [];
  const slotMs = Math.floor((range.toMs - range.fromMs) / slotCount / resolution) * resolution;
  if (slotMs * MAX_SLOT_SHARE < MIN_ROWS * resolution) {
    throw new ConfigError(
      'demo.faults_per_asset',
      `at most ${Math.floor((range.toMs - range.fromMs) / ((resolution * MIN_ROWS) / MAX_SLOT_SHARE))} faults fit in the history after training; lower faults_per_asset or lengthen history`,
    );
  }
  const random = randomFor(layout.seed, 0xfa017);
  const owners = shuffle(
    layout.assets.flatMap((asset) => Array.from({ length: perAsset }, () => asset)),
    random,
  );
  const kindOffset = random.index(FAULT_KINDS.length);
  return owners.map((asset, slot) => {
    const kind = FAULT_KINDS[(slot + kindOffset) % FAULT_KINDS.length]!;
    const shape = SHAPES[kind];
    const tag = asset.tags[random.index(asset.tags.length)]!;
    const longest = Math.max(MIN_ROWS * resolution, slotMs * MAX_SLOT_SHARE);
    const wanted = Math.min(longest, random.between(shape.minMs, shape.maxMs));
    const durationMs = Math.max(MIN_ROWS, Math.round(wanted / resolution)) * resolution;
    const slack = slotMs - durationMs;
    const fromMs = range.fromMs + slot * slotMs + Math.round((slack * random.between(0.25, 0.75)) / resolution) * resolution;
    const toMs = fromMs + durationMs;
    const magnitude =
      kind === 'stuck'
        ? // A stuck sensor repeats its last good reading, which is by construction inside the normal range.
          assetSeries(layout, asset, { fromMs, toMs: fromMs + resolution }).columns[asset.tags.indexOf(tag)]![0]!
        : random.sign() * random.between(shape.minSigma, shape.maxSigma) * tag.normalStd;
    return { asset: asset.name, sensor: tag.name, kind, fromMs, toMs, magnitude };
  });
}

function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.index(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
