import type { ServiceIdentifier } from 'inversify';
import type { SensorTag } from '../domain/SensorTag.js';
import type { CallOptions } from './CallOptions.js';

/** The catalogue of sensors a source knows: what exists and how it is described. */
export interface SensorInformationProvider {
  /** Every sensor, optionally only those of one asset, ordered by name. An empty source yields []. */
  listSensors(options?: ListSensorsOptions): Promise<SensorTag[]>;
  /** True when a sensor with exactly this name exists (names are compared byte for byte). */
  sensorExists(name: string, options?: CallOptions): Promise<boolean>;
  /** The sensor's description, or undefined when it does not exist. */
  describeSensor(name: string, options?: CallOptions): Promise<SensorTag | undefined>;
}
export interface ListSensorsOptions extends CallOptions {
  asset?: string;
}
export const SensorInformationProvider: ServiceIdentifier<SensorInformationProvider> = Symbol.for('latigo.SensorInformationProvider');
