import { chunksToLinesIterable, InfluxDB, linesToRowsIterable, type Transport } from '@influxdata/influxdb-client';
import type { BucketSink, InfluxClientLike, QuerySeries, SensorSeries } from './client.js';
import { InfluxV1Client } from './InfluxV1Client.js';
import type { InfluxConnectionConfig, SensorLayout } from './config.js';
import { InfluxStatementError } from './errors.js';
import { bucketMeansFlux, sensorSeriesFlux } from './flux.js';
import type { ReadPlan, SensorFilter } from './influxql.js';
import { requestWithRetry } from './request.js';

/** One cell of an annotated Flux CSV row as the client parses it (tags and `_time` are strings). */
type FluxCell = string | number | boolean | null | undefined;

/** The dialect the client's own QueryApi asks for: annotated CSV with datatype, group and default rows. */
const DIALECT = { header: true, delimiter: ',', quoteChar: '"', commentPrefix: '#', annotations: ['datatype', 'group', 'default'] };

/**
 * The 2.x API through @influxdata/influxdb-client: Flux on `/api/v2/query` (annotated CSV parsed by the
 * client) and line protocol on `/api/v2/write`. It uses the client's transport rather than its QueryApi and
 * WriteApi: those take no AbortSignal, and the WriteApi keeps a background retry buffer (reading
 * Retry-After as milliseconds) and logs to the console; here each request is retried by request.ts.
 */
export class InfluxV2Client implements InfluxClientLike {
  private readonly transport: Transport;
  private readonly queryPath: string;
  private readonly writePath: string;

  /** InfluxQL through the v1 compatibility endpoint `/query` (2.x maps each bucket to a database of its name; 1.8 reads `db/rp`). */
  private readonly influxQL: InfluxV1Client;

  constructor(private readonly config: InfluxConnectionConfig) {
    const [database = config.bucket, retentionPolicy = ''] = config.bucket.split('/');
    this.influxQL = new InfluxV1Client({ ...config, database, retentionPolicy });
    this.transport = new InfluxDB({ url: config.url, token: config.token, timeout: config.timeoutMs }).transport;
    const org = encodeURIComponent(config.org);
    this.queryPath = `/api/v2/query?org=${org}`;
    this.writePath = `/api/v2/write?org=${org}&bucket=${encodeURIComponent(config.bucket)}&precision=ms`;
  }

  describeBucketMeans(plan: ReadPlan, layout: SensorLayout): string {
    return bucketMeansFlux(this.config.bucket, plan, layout);
  }

  async readBucketMeans(plan: ReadPlan, layout: SensorLayout, sink: BucketSink, signal?: AbortSignal): Promise<void> {
    const keyColumn = layout.measurementPerSensor ? '_measurement' : layout.sensorTag;
    const rows = await this.rows(bucketMeansFlux(this.config.bucket, plan, layout), signal, (values, get) => {
      const value = get(values, '_value');
      if (typeof value !== 'number') return undefined;
      return [String(get(values, keyColumn) ?? ''), Date.parse(String(get(values, '_time'))), value] as const;
    });
    for (const [key, timeMs, mean] of rows) sink(key, timeMs, mean);
  }

  async listSensorSeries(filter: SensorFilter, layout: SensorLayout, signal?: AbortSignal): Promise<SensorSeries[]> {
    const keyColumn = layout.measurementPerSensor ? '_measurement' : layout.sensorTag;
    return this.rows(sensorSeriesFlux(this.config.bucket, filter, layout), signal, (values, get) => ({
      key: String(get(values, keyColumn) ?? ''),
      asset: String(get(values, layout.assetTag) ?? ''),
      unit: String(get(values, layout.unitTag) ?? ''),
      lastMs: Date.parse(String(get(values, '_time'))) || 0,
    }));
  }

  /** The prediction reads are InfluxQL in both modes: one query text, one parser (see the provider README). */
  queryInfluxQL(q: string, signal?: AbortSignal): Promise<QuerySeries[]> {
    return this.influxQL.queryInfluxQL(q, signal);
  }

  async writeLines(lines: readonly string[], signal?: AbortSignal): Promise<void> {
    if (lines.length === 0) return;
    const body = lines.join('\n');
    await requestWithRetry('influx.write', this.config.retry, this.config.timeoutMs, signal, (s) =>
      this.transport.request(this.writePath, body, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, signal: s }),
    );
  }

  /** Runs a Flux query and maps every data row; an error table in the answer fails the call. */
  private rows<T>(
    query: string,
    signal: AbortSignal | undefined,
    map: (values: string[], get: (values: string[], column: string) => FluxCell) => T | undefined,
  ): Promise<T[]> {
    const body = JSON.stringify({ query, dialect: DIALECT, type: 'flux' });
    return requestWithRetry('influx.query', this.config.retry, this.config.timeoutMs, signal, async (s) => {
      const chunks = this.transport.iterate(this.queryPath, body, {
        method: 'POST',
        headers: { 'content-type': 'application/json; encoding=utf-8', 'accept-encoding': 'identity' },
        signal: s,
      });
      const out: T[] = [];
      for await (const { values, tableMeta } of linesToRowsIterable(chunksToLinesIterable(chunks))) {
        // Flux reports a failure after the 200 as a table with `error` and `reference` columns.
        if (tableMeta.columns.some((c) => c.label === 'error') && !tableMeta.columns.some((c) => c.label === '_time')) {
          throw new InfluxStatementError(String(tableMeta.get(values, 'error')));
        }
        const item = map(values, (v, name) => tableMeta.get(v, name) as FluxCell);
        if (item !== undefined) out.push(item);
      }
      return out;
    });
  }
}
