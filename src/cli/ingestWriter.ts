import type { Container } from 'inversify';
import { SensorInformationProvider } from '../contracts/SensorInformationProvider.js';
import { SensorWriter } from '../contracts/SensorWriter.js';
import { SensorWatermarks } from '../ingest/SensorWatermarks.js';
import { WatermarkingSensorWriter } from '../ingest/WatermarkingSensorWriter.js';
import { Database } from '../persistence/Database.js';
import type { Clock } from '../runtime/clock.js';

export interface IngestTarget {
  /** The configured SensorWriter with the watermarks; absent when the sensor_data provider cannot write. */
  writer?: SensorWriter;
  /** Whether a sensor exists (sensor_information); absent when the role binds none. */
  sensorExists?: (name: string) => Promise<boolean>;
}

/** What ingest (the api role) and `latigo import` write through: the same writer, so both move the watermarks. */
export async function ingestTarget(root: Container, clock: Clock): Promise<IngestTarget> {
  const target: IngestTarget = {};
  if (root.isBound(SensorWriter)) {
    const db = await root.getAsync<Database>(Database);
    target.writer = new WatermarkingSensorWriter(await root.getAsync<SensorWriter>(SensorWriter), new SensorWatermarks(db, clock));
  }
  if (root.isBound(SensorInformationProvider)) {
    const information = await root.getAsync<SensorInformationProvider>(SensorInformationProvider);
    target.sensorExists = (name) => information.sensorExists(name);
  }
  return target;
}
