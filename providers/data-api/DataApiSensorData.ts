import type { SensorDataOptions, SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { formatRange, type DataQualityCounts, type SensorFrame, type SensorTag, type TimeRange } from '../../src/domain/index.js';
import { resample } from '../../src/domain/resample.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { DataApiConfig } from './config.js';
import type { DataApiClientLike, DataQueryResult } from './DataApiClient.js';
import { datapointMs, hasSubMillisecond } from './datapointTime.js';
import { RawPointsBuilder } from '../../src/domain/RawPointsBuilder.js';
import { forEachParallel } from './forEachParallel.js';
import { readPages } from './readPages.js';
import type { SeriesDirectory } from './SeriesDirectory.js';

/**
 * Reads a model's tags from the Data API: names resolved to series ids (cached), then multi-id reads of
 * at most `read.ids_per_request` series, each followed through every continuationToken, so no point is
 * lost to the per-response limit. Only points with a `read.status_filter` quality are kept (the API
 * filters; points it sends anyway are dropped and counted as `droppedBadStatus`). Times are kept to the
 * millisecond, rounded down (see datapointTime.ts); points whose time had non-zero digits beyond it are
 * counted as `truncatedSubMillisecond`. Both counts join the frame's quality counts, which the executor
 * records with the window. Tags the API does not hold yield NaN columns.
 */
export class DataApiSensorData implements SensorDataProvider {
  constructor(
    private readonly client: DataApiClientLike,
    private readonly directory: SeriesDirectory,
    private readonly config: DataApiConfig,
    private readonly log: Logger,
  ) {}

  rangeSpecifier(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number): string {
    const names = tags.map((t) => JSON.stringify(t.name)).join(', ');
    return (
      `POST ${this.config.baseUrl}/query/data ${formatRange(range)} status=${this.config.read.statusFilter.join('|')} ` +
      `resolution=${resolutionMs}ms tags=[${names}]`
    );
  }

  async getData(tags: readonly SensorTag[], range: TimeRange, resolutionMs: number, options: SensorDataOptions = {}): Promise<SensorFrame> {
    const { signal } = options;
    throwIfAborted(signal);
    const names = tags.map((t) => t.name);
    const facilities = await this.directory.facilitiesOf(names, signal);
    const columnsById = new Map<string, number[]>();
    await Promise.all(
      names.map(async (name, column) => {
        const facility = facilities[column];
        const series = facility === undefined ? undefined : await this.directory.find(name, facility, signal);
        if (series) columnsById.set(series.id, [...(columnsById.get(series.id) ?? []), column]);
      }),
    );
    const unknown = names.length - [...columnsById.values()].reduce((n, c) => n + c.length, 0);
    if (unknown > 0) this.log.debug('tags not found in the Data API read as NaN', { unknown, facilities: [...new Set(facilities)] });

    const points = new RawPointsBuilder();
    const counts = { badStatus: 0, subMillisecond: 0 };
    const ids = [...columnsById.keys()];
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += this.config.read.idsPerRequest) batches.push(ids.slice(i, i + this.config.read.idsPerRequest));
    await forEachParallel(batches, this.config.read.parallelism, async (batch) => {
      for await (const page of readPages(this.client, batch, range, this.config.read, signal))
        this.collect(page, columnsById, points, counts);
    });
    throwIfAborted(signal);
    const frame = resample(tags, range, resolutionMs, points, { rows: options.rows ?? 'all' });
    if (counts.badStatus === 0 && counts.subMillisecond === 0) return frame;
    // Recorded with the window in the ledger (invariant 7), beside the resampler's own counts.
    const quality: DataQualityCounts & Record<string, number> = {
      ...frame.quality,
      ...(counts.badStatus > 0 ? { droppedBadStatus: counts.badStatus } : {}),
      ...(counts.subMillisecond > 0 ? { truncatedSubMillisecond: counts.subMillisecond } : {}),
    };
    return { ...frame, quality };
  }

  private collect(
    page: DataQueryResult,
    columnsById: ReadonlyMap<string, number[]>,
    points: RawPointsBuilder,
    counts: { badStatus: number; subMillisecond: number },
  ): void {
    const good = this.config.read.statusFilter;
    for (const item of page.items) {
      const columns = columnsById.get(item.id);
      if (!columns) continue;
      for (const p of item.datapoints ?? []) {
        if (!good.includes(p.status)) {
          counts.badStatus++;
          continue;
        }
        const ms = datapointMs(p.time);
        // Times with more than 3 fractional digits (the API sends 7) may have lost something: check them.
        if (p.time.length > 24 && hasSubMillisecond(p.time)) counts.subMillisecond++;
        // A null value (the API's NaN) becomes NaN, which resample counts as non-finite.
        const value = typeof p.value === 'number' ? p.value : Number.NaN;
        for (const column of columns) points.push(column, ms, value);
      }
    }
  }
}
