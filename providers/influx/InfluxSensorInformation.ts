import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { ListSensorsOptions, SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import type { InfluxClientLike, SensorSeries } from './client.js';
import type { SensorLayout } from './config.js';
import { fromStoredName, toStoredName } from './names.js';

/**
 * Sensors as the series InfluxDB holds: one per sensor tag value (or measurement), described by its asset
 * and unit tags. A sensor whose tags changed has several series; the one with the latest point describes it.
 */
export class InfluxSensorInformation implements SensorInformationProvider {
  constructor(
    private readonly client: InfluxClientLike,
    private readonly layout: SensorLayout,
  ) {}

  async listSensors(options?: ListSensorsOptions): Promise<SensorTag[]> {
    throwIfAborted(options?.signal);
    const filter = options?.asset === undefined ? {} : { asset: toStoredName(options.asset) };
    const sensors = latestPerSensor(await this.client.listSensorSeries(filter, this.layout, options?.signal));
    return sensors.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async sensorExists(name: string, options?: CallOptions): Promise<boolean> {
    return (await this.describeSensor(name, options)) !== undefined;
  }

  async describeSensor(name: string, options?: CallOptions): Promise<SensorTag | undefined> {
    throwIfAborted(options?.signal);
    const series = await this.client.listSensorSeries({ sensor: toStoredName(name) }, this.layout, options?.signal);
    return latestPerSensor(series).find((tag) => tag.name === name);
  }
}

function latestPerSensor(series: readonly SensorSeries[]): SensorTag[] {
  const latest = new Map<string, SensorSeries>();
  for (const s of series) {
    const seen = latest.get(s.key);
    if (seen === undefined || s.lastMs > seen.lastMs) latest.set(s.key, s);
  }
  return [...latest.values()].map((s) => {
    const tag = { name: fromStoredName(s.key), asset: fromStoredName(s.asset) };
    return s.unit === '' ? tag : { ...tag, unit: fromStoredName(s.unit) };
  });
}
