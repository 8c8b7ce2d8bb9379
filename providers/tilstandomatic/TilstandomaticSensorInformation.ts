import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { ListSensorsOptions, SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import type { SensorTag } from '../../src/domain/index.js';
import type { TilstandomaticCatalogue } from './TilstandomaticCatalogue.js';
import { byCodeUnits } from './TilstandomaticModelInformation.js';

/** The sensors the catalogue's models name (inputs and targets), with the asset each was given. */
export class TilstandomaticSensorInformation implements SensorInformationProvider {
  constructor(private readonly catalogue: TilstandomaticCatalogue) {}

  async listSensors(options: ListSensorsOptions = {}): Promise<SensorTag[]> {
    const sensors = [...(await this.catalogue.get(options.signal)).sensors.values()];
    return sensors.filter((s) => options.asset === undefined || s.asset === options.asset).sort((a, b) => byCodeUnits(a.name, b.name));
  }

  async sensorExists(name: string, options: CallOptions = {}): Promise<boolean> {
    return (await this.catalogue.get(options.signal)).sensors.has(name);
  }

  async describeSensor(name: string, options: CallOptions = {}): Promise<SensorTag | undefined> {
    return (await this.catalogue.get(options.signal)).sensors.get(name);
  }
}
