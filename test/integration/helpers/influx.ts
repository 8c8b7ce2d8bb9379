import { createInfluxClient, type InfluxClientLike } from '../../../providers/influx/client.js';
import {
  parseInfluxPredictionConfig,
  parseInfluxSensorConfig,
  type InfluxPredictionConfig,
  type InfluxSensorConfig,
  type SensorLayout,
} from '../../../providers/influx/config.js';
import { InfluxPredictionStorage } from '../../../providers/influx/InfluxPredictionStorage.js';
import { InfluxSensorDataProvider } from '../../../providers/influx/InfluxSensorDataProvider.js';
import { InfluxSensorInformation } from '../../../providers/influx/InfluxSensorInformation.js';
import { pointLine, seriesKey, escapeKey } from '../../../providers/influx/lineProtocol.js';
import { fromStoredName, toStoredName } from '../../../providers/influx/names.js';
import { OUTPUT_KINDS } from '../../../providers/influx/predictionLines.js';
import type { SensorTag } from '../../../src/domain/SensorTag.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import type { StoredPrediction } from '../../contract/PredictionStorageContract.js';
import type { SeedPoint } from '../../contract/SensorDataContract.js';

/** Where a test's data lives: the server and either a v1 database or a v2 bucket; `raw` section keys for parse*Config. */
export interface InfluxTarget {
  readonly raw: Record<string, unknown>;
  /** Writes line protocol (precision ms) with plain HTTP, bypassing the providers. */
  writeRaw(lines: readonly string[]): Promise<void>;
}

export const sensorConfig = (target: InfluxTarget, extra: Record<string, unknown> = {}): InfluxSensorConfig =>
  parseInfluxSensorConfig({ retry: { maximum_attempts: 2, initial_interval: 10 }, ...target.raw, ...extra }, 'sensor_data');
export const predictionConfig = (target: InfluxTarget, extra: Record<string, unknown> = {}): InfluxPredictionConfig =>
  parseInfluxPredictionConfig({ retry: { maximum_attempts: 2, initial_interval: 10 }, ...target.raw, ...extra }, 'prediction_storage');

export function sensorProviders(target: InfluxTarget, extra: Record<string, unknown> = {}) {
  const config = sensorConfig(target, extra);
  const client = createInfluxClient(config);
  return {
    config,
    client,
    data: new InfluxSensorDataProvider(client, config.sensors, silentLogger),
    information: new InfluxSensorInformation(client, config.sensors),
  };
}

/** Line protocol for sensors and raw points laid out as `layout` says, as another writer (a collector) would store them. */
export function sensorLines(layout: SensorLayout, tags: readonly SensorTag[], points: readonly SeedPoint[]): string[] {
  const byName = new Map(tags.map((t) => [t.name, t]));
  const key = (name: string): string => {
    const tag = byName.get(name) ?? { name, asset: '' };
    const describing: [string, string][] = [[layout.assetTag, toStoredName(tag.asset)]];
    if (tag.unit !== undefined) describing.push([layout.unitTag, toStoredName(tag.unit)]);
    return layout.measurementPerSensor
      ? seriesKey(toStoredName(name), describing)
      : seriesKey(layout.measurement, [...describing, [layout.sensorTag, toStoredName(name)]]);
  };
  const field = escapeKey(layout.field);
  // The database cannot hold NaN or ±Infinity: a collector leaves such readings out.
  const lines = points.filter((p) => Number.isFinite(p.value)).map((p) => pointLine(key(p.tag), field, p.value, p.timeMs));
  // Sensors without points still exist as a series: one reading long before any test window.
  for (const tag of tags) if (!points.some((p) => p.tag === tag.name)) lines.push(pointLine(key(tag.name), field, 0, Date.UTC(2000, 0, 1)));
  return lines;
}

/** Readings of predictions written by InfluxPredictionStorage, as the contract suite compares them. */
export interface PredictionPoint {
  readonly timeMs: number;
  readonly output: string;
  readonly sensor: string;
  readonly value: number;
}

/**
 * Puts points back into rows: outputs and contributions ordered by sensor name (the contract's tag names
 * are in that order; the layout keeps no order of its own), NaN where no point was stored.
 */
export function predictionsFromPoints(points: readonly PredictionPoint[]): StoredPrediction[] {
  const sensors = [...new Set(points.filter((p) => p.sensor !== '').map((p) => p.sensor))].sort();
  const rows = new Map<
    number,
    { outputs: number[]; contributions: number[]; totalAnomaly: number; threshold: number; isAnomaly: boolean }
  >();
  for (const p of points) {
    let row = rows.get(p.timeMs);
    if (!row)
      rows.set(
        p.timeMs,
        (row = {
          outputs: sensors.map(() => NaN),
          contributions: sensors.map(() => NaN),
          totalAnomaly: NaN,
          threshold: NaN,
          isAnomaly: false,
        }),
      );
    const i = sensors.indexOf(p.sensor);
    if (p.output === OUTPUT_KINDS.modelOutput) row.outputs[i] = p.value;
    else if (p.output === OUTPUT_KINDS.contribution) row.contributions[i] = p.value;
    else if (p.output === OUTPUT_KINDS.totalAnomaly) row.totalAnomaly = p.value;
    else if (p.output === OUTPUT_KINDS.threshold) row.threshold = p.value;
    else if (p.output === OUTPUT_KINDS.isAnomaly) row.isAnomaly = p.value === 1;
  }
  return [...rows].sort(([a], [b]) => a - b).map(([timeMs, r]) => ({ timeMs, ...r }));
}

/** The storage and its client, for a target. */
export function predictionStorage(target: InfluxTarget, extra: Record<string, unknown> = {}) {
  const config = predictionConfig(target, extra);
  const client: InfluxClientLike = createInfluxClient(config);
  return { config, client, storage: new InfluxPredictionStorage(client, config.predictions, silentLogger) };
}

/** Names with every character that means something to line protocol, InfluxQL or a shell. */
export const hostileNames: readonly string[] = [
  `it's "quoted"`,
  'C:\\plant\\',
  'a\\,b',
  'back\\ slash',
  'comma, space and=equals',
  'line\nbreak',
  'carriage\rreturn',
  'tab\there',
  'ünïcödé 温度 🌡',
  '#hash',
  '%enc:looks encoded',
  'x" OR 1=1 --',
  "x' OR 1=1 --",
  '"; DROP DATABASE "victims',
  "'; DROP MEASUREMENT sensor; --",
  ' ',
];

export { fromStoredName, toStoredName };
