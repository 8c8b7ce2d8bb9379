import type { ServiceIdentifier } from 'inversify';
import type { SensorTag } from '../domain/SensorTag.js';
import type { CallOptions } from './CallOptions.js';

/** Points of one sensor: parallel arrays of epoch-ms timestamps and values. */
export interface SensorPoints {
  readonly sensor: string;
  readonly timesMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface WritePointsOptions extends CallOptions {
  /** Called after each committed batch with the points written so far. */
  onProgress?(written: number): void;
}

export interface WritePointsResult {
  /** Points written (a point at an existing (sensor, time) overwrites it and counts once). */
  readonly written: number;
  /** NaN/±Infinity values, not stored. */
  readonly nonFinite: number;
}

/**
 * Optional capability of a sensor store that accepts data (embedded store, InfluxDB): defines sensors
 * and writes points. Looked up by token, never probed by shape.
 */
export interface SensorWriter {
  /** Creates the sensors that do not exist and updates the description of those that do. */
  defineSensors(tags: readonly SensorTag[], options?: CallOptions): Promise<void>;
  /** Writes points; a sensor not defined yet is created with only its name. */
  writePoints(points: readonly SensorPoints[], options?: WritePointsOptions): Promise<WritePointsResult>;
}
export const SensorWriter: ServiceIdentifier<SensorWriter> = Symbol.for('latigo.SensorWriter');
