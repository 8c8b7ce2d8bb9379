import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { PredictionStorageProvider, StoreResult } from '../../src/contracts/PredictionStorageProvider.js';
import {
  outputSeriesName, perModelOperations, perTagOperations, type OutputOperation, type PredictionRow, type PredictionSet,
} from '../../src/domain/index.js';
import { ProviderError, throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { DataApiConfig } from './config.js';
import type { DataApiClientLike, Datapoint, SeriesSpec } from './DataApiClient.js';
import { formatDatapointTime } from './datapointTime.js';
import type { SeriesDirectory } from './SeriesDirectory.js';

/** One output series and how to read its value from a row. */
interface OutputColumn {
  readonly spec: SeriesSpec;
  readonly valueOf: (row: PredictionRow) => number;
}

/**
 * Writes each prediction value to its own Data API series, named by `output.naming` (the Python latigo's
 * `<tag>|<model>|<operation>` by default): per target tag `model-output` and `tag-anomaly`, per model
 * (under `output.indicator_tag`) `total-anomaly`, `anomaly-threshold` and `anomaly-flag` (1 or 0). Series
 * are created when missing with one getoradd request and cached, so later windows reuse them. Points carry
 * the numeric `output.status`; NaN and ±Infinity are never sent (the API cannot store them) and are counted.
 * The API overwrites a point with the same timestamp, so storing a window again rewrites it in place.
 */
export class DataApiPredictionStorage implements PredictionStorageProvider {
  constructor(private readonly client: DataApiClientLike, private readonly directory: SeriesDirectory,
              private readonly config: DataApiConfig, private readonly log: Logger) {}

  async store(set: PredictionSet, options: CallOptions = {}): Promise<StoreResult> {
    const { signal } = options;
    throwIfAborted(signal);
    if (set.rows.length === 0) return { written: 0, droppedNonFinite: 0 };
    const columns = await this.columns(set, signal);
    const series = await this.directory.getOrAdd(columns.map((c) => c.spec), signal);

    let droppedNonFinite = 0;
    // Each row's time is formatted once for all its columns.
    const times = set.rows.map((row) => formatDatapointTime(row.timeMs));
    const stored = new Uint8Array(set.rows.length);
    const { status } = this.config.output;
    const items = columns.map((column, c) => {
      const datapoints: Datapoint[] = [];
      set.rows.forEach((row, r) => {
        const value = column.valueOf(row);
        if (!Number.isFinite(value)) {
          droppedNonFinite++;
          return;
        }
        stored[r] = 1;
        datapoints.push({ time: times[r]!, value, status });
      });
      return { id: series[c]!.id, datapoints };
    }).filter((item) => item.datapoints.length > 0);

    for (const batch of splitByPoints(items, this.config.output.pointsPerRequest)) {
      throwIfAborted(signal);
      await this.client.writeData(batch, signal ? { signal } : {});
    }
    if (droppedNonFinite > 0) this.log.debug('non-finite prediction values not written', { model: set.model, droppedNonFinite });
    return { written: stored.reduce((n, flag) => n + flag, 0), droppedNonFinite };
  }

  private async columns(set: PredictionSet, signal: AbortSignal | undefined): Promise<OutputColumn[]> {
    const facilities = await this.directory.facilitiesOf(set.tagNames, signal);
    const missing = set.tagNames.filter((_, i) => facilities[i] === undefined);
    if (missing.length > 0) {
      throw new ProviderError(`no facility for output tag(s) ${missing.map((n) => JSON.stringify(n)).join(', ')} of model ${set.model}: `
        + 'the Data API does not hold them and no facility rule or facility.default names one', { retryable: false });
    }
    const modelFacility = facilities[0]!;
    const name = (tag: string, operation: OutputOperation) => outputSeriesName(this.config.output.naming, {
      tag, operation, model: set.model, project: set.project, revision: set.revision,
    });
    const spec = (tag: string, facility: string, operation: OutputOperation): SeriesSpec => ({
      name: name(tag, operation), facility, step: true, unit: '', externalId: '',
      description: `latigo ${operation} of ${set.project}/${set.model} for ${tag}`,
    });
    const columns: OutputColumn[] = [];
    set.tagNames.forEach((tag, i) => {
      columns.push({ spec: spec(tag, facilities[i]!, perTagOperations[0]), valueOf: (row) => row.outputs[i] ?? Number.NaN });
      columns.push({ spec: spec(tag, facilities[i]!, perTagOperations[1]), valueOf: (row) => row.contributions[i] ?? Number.NaN });
    });
    const indicator = this.config.output.indicatorTag.replaceAll('{facility}', modelFacility);
    const perModel: Record<(typeof perModelOperations)[number], (row: PredictionRow) => number> = {
      'total-anomaly': (row) => row.totalAnomaly,
      'anomaly-threshold': (row) => row.threshold,
      'anomaly-flag': (row) => (row.isAnomaly ? 1 : 0),
    };
    for (const operation of perModelOperations) columns.push({ spec: spec(indicator, modelFacility, operation), valueOf: perModel[operation] });
    return columns;
  }
}

/** Splits write items into requests of at most `maxPoints` datapoints, splitting an item's points when needed. */
export function splitByPoints<T extends { id: string; datapoints: readonly Datapoint[] }>(items: readonly T[], maxPoints: number) {
  const batches: { id: string; datapoints: readonly Datapoint[] }[][] = [];
  let current: { id: string; datapoints: readonly Datapoint[] }[] = [];
  let size = 0;
  for (const item of items) {
    for (let offset = 0; offset < item.datapoints.length;) {
      const take = Math.min(maxPoints - size, item.datapoints.length - offset);
      current.push({ id: item.id, datapoints: item.datapoints.slice(offset, offset + take) });
      offset += take;
      size += take;
      if (size === maxPoints) {
        batches.push(current);
        current = [];
        size = 0;
      }
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
