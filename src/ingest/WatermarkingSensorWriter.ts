import type { CallOptions } from '../contracts/CallOptions.js';
import type { SensorPoints, SensorWriter, WritePointsOptions, WritePointsResult } from '../contracts/SensorWriter.js';
import type { SensorTag } from '../domain/SensorTag.js';
import { summarizeWrite, type SensorWatermarks } from './SensorWatermarks.js';

/**
 * The configured SensorWriter (embedded store or InfluxDB) plus the per-sensor watermarks: after the points
 * are committed, their time range and count are recorded (SensorWatermarks). Ingest and import both write
 * through this, so the data triggers see every point however it arrived. A write that fails records nothing;
 * a crash between the two leaves points without a watermark move, which the next write of the sensor repairs
 * (the watermark only grows) and a re-run of the import records again.
 */
export class WatermarkingSensorWriter implements SensorWriter {
  constructor(
    private readonly inner: SensorWriter,
    private readonly watermarks: SensorWatermarks,
  ) {}

  defineSensors(tags: readonly SensorTag[], options?: CallOptions): Promise<void> {
    return this.inner.defineSensors(tags, options);
  }

  async writePoints(points: readonly SensorPoints[], options?: WritePointsOptions): Promise<WritePointsResult> {
    const result = await this.inner.writePoints(points, options);
    await this.watermarks.record(summarizeWrite(points));
    return result;
  }
}
