import type { DemoConfig } from './DemoConfig.js';
import type { SensorTag } from '../domain/SensorTag.js';
import { randomFor } from './random.js';

/**
 * What the demo plant is made of. Every tag of an asset is a linear response to two latent drivers,
 * the asset's load (0..1, a daily cycle plus slower and faster swings) and the site's ambient
 * temperature (degC, a daily cycle), plus measurement noise. The shared drivers are what make the
 * tags of an asset correlated, and what a PCA model learns; a fault breaks that structure.
 */

/**
 * One tag of an asset kind: its name suffix and unit, its value at no load and 0 degC (`base`), its change per
 * unit of load (0..1) and its change per degC of ambient temperature.
 */
type TagTemplate = readonly [suffix: string, unit: string, base: number, loadGain: number, ambientGain: number];

/** Tags of each asset kind, in the order they are taken (tags_per_asset takes the first 6 to 10). */
const TEMPLATES = {
  // suffix, unit, base, loadGain, ambientGain
  compressor: [
    ['discharge_pressure', 'bar', 18, 14, 0],
    ['suction_pressure', 'bar', 6.5, -1.5, 0],
    ['gas_flow', 'm3/h', 900, 1100, 0],
    ['discharge_temperature', 'degC', 55, 45, 0.8],
    ['motor_current', 'A', 120, 260, 0],
    ['vibration', 'mm/s', 1.2, 3.5, 0],
    ['suction_temperature', 'degC', 8, 3, 0.95],
    ['shaft_speed', 'rpm', 7000, 3500, 0],
    ['bearing_temperature', 'degC', 50, 18, 0.6],
    ['lube_oil_pressure', 'bar', 2.2, 0.6, 0],
  ],
  pump: [
    ['discharge_pressure', 'bar', 12, 20, 0],
    ['suction_pressure', 'bar', 2.5, -0.8, 0],
    ['flow', 'm3/h', 150, 420, 0],
    ['fluid_temperature', 'degC', 30, 8, 0.9],
    ['motor_current', 'A', 40, 110, 0],
    ['vibration', 'mm/s', 0.8, 2.8, 0],
    ['motor_temperature', 'degC', 45, 30, 0.8],
    ['bearing_temperature', 'degC', 38, 15, 0.7],
    ['speed', 'rpm', 1100, 1800, 0],
    ['seal_pressure', 'bar', 3, 1.2, 0],
  ],
} as const satisfies Record<string, readonly TagTemplate[]>;

export type AssetKind = keyof typeof TEMPLATES;
const KINDS: readonly AssetKind[] = ['compressor', 'pump'];

/** A sinusoid of a latent driver: amplitude, period and phase (radians). */
export interface Wave {
  readonly amplitude: number;
  readonly periodMs: number;
  readonly phase: number;
}

export interface DemoTagModel extends SensorTag {
  readonly base: number;
  readonly loadGain: number;
  readonly ambientGain: number;
  /** Standard deviation of the measurement noise, in the tag's unit. */
  readonly noiseStd: number;
  /** Approximate standard deviation of the tag under normal operation (drivers and noise). */
  readonly normalStd: number;
}

export interface DemoAsset {
  readonly name: string;
  readonly kind: AssetKind;
  /** Position in the plant; part of the seed of the asset's noise. */
  readonly index: number;
  readonly tags: readonly DemoTagModel[];
  readonly load: { readonly mean: number; readonly waves: readonly Wave[] };
}

export interface DemoPlantLayout {
  readonly seed: number;
  readonly resolutionMs: number;
  readonly assets: readonly DemoAsset[];
  readonly ambient: { readonly mean: number; readonly waves: readonly Wave[] };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Noise as a share of a tag's driver-explained standard deviation: high enough that a model must
 *  separate signal from noise, low enough that the tags of an asset stay strongly correlated. */
const NOISE_RATIO = 0.12;

/** The plant's assets, tags and drivers for `config`; independent of time, so the live feed rebuilds
 *  exactly the plant that was seeded. */
export function demoPlantLayout(config: DemoConfig): DemoPlantLayout {
  const site = randomFor(config.seed, 0x5175);
  const ambientPhase = site.between(0, 2 * Math.PI);
  const ambient = {
    mean: 12,
    waves: [
      { amplitude: 7, periodMs: DAY, phase: ambientPhase },
      { amplitude: 1.5, periodMs: 2.7 * DAY, phase: site.between(0, 2 * Math.PI) },
    ],
  };
  const assets: DemoAsset[] = [];
  const counters = new Map<AssetKind, number>();
  for (let index = 0; index < config.assets; index++) {
    const kind = KINDS[index % KINDS.length]!;
    const number = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, number);
    const name = `${kind}-${String(number).padStart(2, '0')}`;
    const random = randomFor(config.seed, 0xa55e7, index);
    const load = {
      mean: 0.6,
      waves: [
        // Load peaks some hours away from the warmest time of day: were the two daily cycles in phase,
        // load and ambient would move as one driver and the temperatures would tell nothing new.
        { amplitude: 0.15, periodMs: DAY, phase: ambientPhase + random.sign() * random.between(Math.PI / 3, Math.PI / 2) },
        { amplitude: 0.07, periodMs: random.between(5, 8) * HOUR, phase: random.between(0, 2 * Math.PI) },
        { amplitude: 0.05, periodMs: random.between(1.5, 3) * HOUR, phase: random.between(0, 2 * Math.PI) },
        { amplitude: 0.04, periodMs: random.between(30, 60) * 60_000, phase: random.between(0, 2 * Math.PI) },
      ],
    };
    const loadStd = waveStd(load.waves);
    const ambientStd = waveStd(ambient.waves);
    const tags = TEMPLATES[kind]
      .slice(0, config.tagsPerAsset)
      .map(([suffix, unit, base, nominalLoadGain, nominalAmbientGain]): DemoTagModel => {
        // Each unit is a little different from its siblings: gains vary by up to ±15 %.
        const loadGain = nominalLoadGain * random.between(0.85, 1.15);
        const ambientGain = nominalAmbientGain * random.between(0.85, 1.15);
        const driverStd = Math.hypot(loadGain * loadStd, ambientGain * ambientStd);
        const noiseStd = NOISE_RATIO * driverStd;
        return {
          name: `${name}.${suffix}`,
          asset: name,
          unit,
          base,
          loadGain,
          ambientGain,
          noiseStd,
          normalStd: Math.hypot(driverStd, noiseStd),
        };
      });
    assets.push({ name, kind, index, tags, load });
  }
  return { seed: config.seed, resolutionMs: config.resolutionMs, assets, ambient };
}

/** Standard deviation of a sum of sinusoids over a long stretch of time. */
function waveStd(waves: readonly Wave[]): number {
  return Math.sqrt(waves.reduce((sum, w) => sum + (w.amplitude * w.amplitude) / 2, 0));
}

export function waveValue(mean: number, waves: readonly Wave[], timeMs: number): number {
  let value = mean;
  for (const w of waves) value += w.amplitude * Math.sin((2 * Math.PI * timeMs) / w.periodMs + w.phase);
  return value;
}

/** The name of the model the demo declares for an asset, and back. */
export function demoModelName(asset: string): string {
  return `${asset}-anomaly`;
}
export function assetOfDemoModel(model: string): string {
  return model.endsWith('-anomaly') ? model.slice(0, -'-anomaly'.length) : model;
}
