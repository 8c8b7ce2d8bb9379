import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { PredictionStorageProvider, StoreResult } from '../../src/contracts/PredictionStorageProvider.js';
import type { PredictionSet } from '../../src/domain/index.js';
import { ProviderError, throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { DataApiConfig } from './config.js';
import type { DataApiClientLike, Datapoint } from './DataApiClient.js';
import { formatDatapointTime } from './datapointTime.js';
import { forecastSeries } from './forecastSeries.js';
import { outputSeries } from './outputSeries.js';
import type { SeriesDirectory } from './SeriesDirectory.js';

/**
 * Writes each prediction value to its own Data API series, named by `output.naming` (the Python latigo's
 * `<tag>|<model>|<operation>` by default): per target tag `model-output` and `tag-anomaly`, per model
 * (under `output.indicator_tag`) `total-anomaly`, `anomaly-threshold` and `anomaly-flag` (1 or 0). Series
 * are created when missing with one getoradd request and cached, so later windows reuse them. Points carry
 * the numeric `output.status`; NaN and ±Infinity are never sent (the API cannot store them) and are counted.
 * The API overwrites a point with the same timestamp, so storing a window again rewrites it in place.
 * A forecast goes to named series beside them (forecastSeries.ts): per tag `forecast-yhat`, `forecast-lower`
 * and `forecast-upper` at each target time, per model `forecast-issued-at` (the issue time, epoch ms, at each
 * target time) and `forecast-coverage` (at the issue time); one value per timestamp, so a target time holds
 * the latest issue that forecast it.
 */
export class DataApiPredictionStorage implements PredictionStorageProvider {
  constructor(
    private readonly client: DataApiClientLike,
    private readonly directory: SeriesDirectory,
    private readonly config: DataApiConfig,
    private readonly log: Logger,
  ) {}

  async store(set: PredictionSet, options: CallOptions = {}): Promise<StoreResult> {
    const { signal } = options;
    throwIfAborted(signal);
    if (set.rows.length === 0 && set.forecast === undefined) return { written: 0, droppedNonFinite: 0 };
    const facilities = await this.directory.facilitiesOf(set.tagNames, signal);
    const missing = set.tagNames.filter((_, i) => facilities[i] === undefined);
    if (missing.length > 0) {
      throw new ProviderError(
        `no facility for output tag(s) ${missing.map((n) => JSON.stringify(n)).join(', ')} of model ${set.model}: ` +
          'the Data API does not hold them and no facility rule or facility.default names one',
        { retryable: false },
      );
    }
    const columns = outputSeries(set, facilities as string[], this.config.output);
    const forecastColumns = set.forecast === undefined ? [] : forecastSeries(set, facilities as string[], this.config.output);
    const series = await this.directory.getOrAdd(
      [...columns, ...forecastColumns].map((c) => c.spec),
      signal,
    );

    let droppedNonFinite = 0;
    // Each row's time is formatted once for all its columns.
    const times = set.rows.map((row) => formatDatapointTime(row.timeMs));
    const stored = new Uint8Array(set.rows.length);
    const { status } = this.config.output;
    const items = columns
      .map((column, c) => {
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
      })
      .filter((item) => item.datapoints.length > 0);
    if (set.forecast !== undefined) {
      const forecast = set.forecast;
      const targetTimes = forecast.points.map((p) => formatDatapointTime(p.timeMs));
      forecastColumns.forEach((column, c) => {
        const id = series[columns.length + c]!.id;
        if (column.operation === 'forecast-coverage') {
          items.push({ id, datapoints: [{ time: formatDatapointTime(forecast.issuedAtMs), value: forecast.coverage, status }] });
          return;
        }
        const valueOf = column.valueAt ?? (() => forecast.issuedAtMs);
        const datapoints: Datapoint[] = [];
        forecast.points.forEach((point, p) => {
          const value = valueOf(point);
          if (Number.isFinite(value)) datapoints.push({ time: targetTimes[p]!, value, status });
          else droppedNonFinite++;
        });
        if (datapoints.length > 0) items.push({ id, datapoints });
      });
    }

    for (const batch of splitByPoints(items, this.config.output.pointsPerRequest)) {
      throwIfAborted(signal);
      await this.client.writeData(batch, signal ? { signal } : {});
    }
    if (droppedNonFinite > 0) this.log.debug('non-finite prediction values not written', { model: set.model, droppedNonFinite });
    return { written: stored.reduce((n, flag) => n + flag, 0) + (set.forecast?.points.length ?? 0), droppedNonFinite };
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
