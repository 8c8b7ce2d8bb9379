import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { ListSensorsOptions, SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import type { SensorTag } from '../../src/domain/index.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import type { DataApiClientLike, DataApiSeries } from './DataApiClient.js';
import type { SeriesDirectory } from './SeriesDirectory.js';

/**
 * The Data API's series as sensors: a series' facility is the sensor's asset. Listing pages through
 * every continuationToken (the API caps one listing at 100 000 series; list one facility at a time for
 * large plants). A name held by several facilities is described in the one the facility rules name.
 */
export class DataApiSensorInformation implements SensorInformationProvider {
  constructor(
    private readonly client: DataApiClientLike,
    private readonly directory: SeriesDirectory,
  ) {}

  async listSensors(options: ListSensorsOptions = {}): Promise<SensorTag[]> {
    const series = await this.client.listSeries(options.asset === undefined ? {} : { facility: options.asset }, options);
    throwIfAborted(options.signal);
    return series
      .map(toSensorTag)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0));
  }

  async sensorExists(name: string, options: CallOptions = {}): Promise<boolean> {
    return (await this.describeSensor(name, options)) !== undefined;
  }

  async describeSensor(name: string, options: CallOptions = {}): Promise<SensorTag | undefined> {
    const [facility] = await this.directory.facilitiesOf([name], options.signal);
    const series = facility === undefined ? undefined : await this.directory.find(name, facility, options.signal);
    return series && toSensorTag(series);
  }
}

function toSensorTag(series: DataApiSeries): SensorTag {
  return { name: series.name, asset: series.facility, ...(series.unit ? { unit: series.unit } : {}) };
}
