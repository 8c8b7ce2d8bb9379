import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { SensorPoints, SensorWriter, WritePointsOptions, WritePointsResult } from '../../src/contracts/SensorWriter.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import type { InfluxClientLike } from './client.js';
import type { SensorLayout } from './config.js';
import { escapeKey, pointLine, seriesKey } from './lineProtocol.js';
import { toStoredName } from './names.js';

/** Lines per write request. */
const LINES_PER_REQUEST = 5_000;

/**
 * Writes sensor points into InfluxDB in the layout the sensor readers expect (`measurement,<sensor_tag>=<name>
 * <field>=<value> <ms>`, or a measurement per sensor), so ingested data reads back through
 * InfluxSensorDataProvider. Names are stored as names.ts says; NaN and ±Infinity have no line-protocol
 * form and are skipped and counted. `defineSensors` writes nothing: InfluxDB knows a sensor by its points
 * (asset and unit tags are added to the points of sensors defined in this process).
 */
export class InfluxSensorWriter implements SensorWriter {
  private readonly described = new Map<string, SensorTag>();

  constructor(
    private readonly client: InfluxClientLike,
    private readonly layout: SensorLayout,
  ) {}

  defineSensors(tags: readonly SensorTag[], options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal);
    for (const tag of tags) this.described.set(tag.name, tag);
    return Promise.resolve();
  }

  async writePoints(points: readonly SensorPoints[], options?: WritePointsOptions): Promise<WritePointsResult> {
    throwIfAborted(options?.signal);
    const field = escapeKey(this.layout.field);
    let lines: string[] = [];
    let written = 0;
    let nonFinite = 0;
    const flush = async () => {
      if (lines.length === 0) return;
      await this.client.writeLines(lines, options?.signal);
      written += lines.length;
      lines = [];
      options?.onProgress?.(written);
    };
    for (const series of points) {
      const key = this.seriesKeyOf(series.sensor);
      for (let i = 0; i < series.timesMs.length; i++) {
        const v = series.values[i]!;
        if (!Number.isFinite(v)) {
          nonFinite++;
          continue;
        }
        lines.push(pointLine(key, field, v, series.timesMs[i]!));
        if (lines.length >= LINES_PER_REQUEST) await flush();
      }
    }
    await flush();
    return { written, nonFinite };
  }

  private seriesKeyOf(sensor: string): string {
    const stored = toStoredName(sensor);
    const tag = this.described.get(sensor);
    const extra: [string, string][] = [];
    if (tag !== undefined) {
      if (tag.asset !== '') extra.push([this.layout.assetTag, toStoredName(tag.asset)]);
      if (tag.unit !== undefined && tag.unit !== '') extra.push([this.layout.unitTag, toStoredName(tag.unit)]);
    }
    if (this.layout.measurementPerSensor) return seriesKey(stored, extra);
    return seriesKey(this.layout.measurement, [[this.layout.sensorTag, stored], ...extra]);
  }
}
