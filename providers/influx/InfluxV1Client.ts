import type { BucketSink, InfluxClientLike, QuerySeries, SensorSeries } from './client.js';
import type { InfluxConnectionConfig, SensorLayout } from './config.js';
import { parseRetryAfter } from '../../src/runtime/retry.js';
import { InfluxHttpError, InfluxStatementError, serverMessage } from './errors.js';
import { bucketMeansQuery, sensorSeriesQuery, type ReadPlan, type SensorFilter } from './influxql.js';
import { requestWithRetry } from './request.js';

/** One series of a /query answer (JSON). */
interface V1Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}
interface V1Result {
  statement_id?: number;
  series?: V1Series[];
  error?: string;
}

/** Points per chunk of the prediction reads' answers. */
const QUERY_CHUNK_SIZE = 10_000;

/**
 * The 1.x HTTP API (also the v1 endpoints of 2.x and 3.x) over Node's fetch: InfluxQL on `/query`, read
 * chunked so that no `max-row-limit` truncates an answer, and line protocol on `/write`.
 */
export class InfluxV1Client implements InfluxClientLike {
  private readonly headers: Record<string, string>;

  constructor(private readonly config: InfluxConnectionConfig) {
    this.headers = authorization(config);
  }

  describeBucketMeans(plan: ReadPlan, layout: SensorLayout): string {
    return bucketMeansQuery(plan, layout);
  }

  async readBucketMeans(plan: ReadPlan, layout: SensorLayout, sink: BucketSink, signal?: AbortSignal): Promise<void> {
    const q = bucketMeansQuery(plan, layout);
    // A retried request starts over: collect per attempt, hand over only a complete answer.
    const rows = await requestWithRetry('influx.query', this.config.retry, this.config.timeoutMs, signal, async (s) => {
      const collected: [string, number, number][] = [];
      await this.query(q, layout.chunkSize, s, (series) => {
        const key = layout.measurementPerSensor ? series.name : (series.tags?.[layout.sensorTag] ?? '');
        const time = series.columns.indexOf('time');
        const mean = series.columns.indexOf('mean');
        for (const row of series.values ?? []) {
          const value = row[mean];
          if (typeof value !== 'number') continue; // fill(none) leaves no empty bucket; null would be one
          collected.push([key, row[time] as number, value]);
        }
      });
      return collected;
    });
    for (const [key, timeMs, mean] of rows) sink(key, timeMs, mean);
  }

  async listSensorSeries(filter: SensorFilter, layout: SensorLayout, signal?: AbortSignal): Promise<SensorSeries[]> {
    const q = sensorSeriesQuery(filter, layout);
    return requestWithRetry('influx.query', this.config.retry, this.config.timeoutMs, signal, async (s) => {
      const found: SensorSeries[] = [];
      await this.query(q, layout.chunkSize, s, (series) => {
        const tags = series.tags ?? {};
        const time = series.columns.indexOf('time');
        const lastMs = Number(series.values?.[0]?.[time] ?? 0);
        found.push({
          key: layout.measurementPerSensor ? series.name : (tags[layout.sensorTag] ?? ''),
          asset: tags[layout.assetTag] ?? '',
          unit: tags[layout.unitTag] ?? '',
          lastMs,
        });
      });
      return found;
    });
  }

  async queryInfluxQL(q: string, signal?: AbortSignal): Promise<QuerySeries[]> {
    return requestWithRetry('influx.query', this.config.retry, this.config.timeoutMs, signal, async (s) => {
      // A series may span chunks: chunks of the same statement and tags are joined.
      const found = new Map<string, { statement: number; tags: Record<string, string>; columns: string[]; values: unknown[][] }>();
      await this.query(q, QUERY_CHUNK_SIZE, s, (series, statement) => {
        const key = JSON.stringify([statement, series.name, series.tags ?? {}]);
        const known = found.get(key);
        if (known === undefined)
          found.set(key, { statement, tags: series.tags ?? {}, columns: series.columns, values: [...(series.values ?? [])] });
        else known.values.push(...(series.values ?? []));
      });
      return [...found.values()];
    });
  }

  async writeLines(lines: readonly string[], signal?: AbortSignal): Promise<void> {
    if (lines.length === 0) return;
    const url = this.url('/write', { db: this.config.database, rp: this.config.retentionPolicy, precision: 'ms' });
    const body = lines.join('\n');
    await requestWithRetry('influx.write', this.config.retry, this.config.timeoutMs, signal, async (s) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...this.headers, 'content-type': 'text/plain; charset=utf-8' },
        body,
        signal: s,
      });
      if (response.status !== 204 && response.status !== 200) throw await httpError(response);
      await response.body?.cancel();
    });
  }

  /** Runs `q` with a chunked answer, handing every series of every chunk to `onSeries` (a series may span chunks). */
  private async query(
    q: string,
    chunkSize: number,
    signal: AbortSignal,
    onSeries: (series: V1Series, statement: number) => void,
  ): Promise<void> {
    const url = this.url('/query', {
      db: this.config.database,
      rp: this.config.retentionPolicy,
      epoch: 'ms',
      chunked: 'true',
      chunk_size: String(chunkSize),
    });
    // POST with a form body: queries of many sensors outgrow the URL limits of proxies.
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ q }),
      signal,
    });
    if (response.status !== 200) throw await httpError(response);
    // One JSON document per chunk and line. A whole answer is at most one frame, so it is read at once.
    for (const line of (await response.text()).split('\n')) {
      if (line === '') continue;
      const chunk = JSON.parse(line) as { results?: V1Result[]; error?: string };
      // The status is sent before the statement runs, so its failure arrives in the body.
      if (typeof chunk.error === 'string') throw new InfluxStatementError(chunk.error);
      for (const result of chunk.results ?? []) {
        if (typeof result.error === 'string') throw new InfluxStatementError(result.error);
        for (const series of result.series ?? []) onSeries(series, result.statement_id ?? 0);
      }
    }
  }

  private url(path: string, params: Record<string, string>): string {
    const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
    return `${this.config.url}${path}?${search.toString()}`;
  }
}

/** Token (2.x/3.x) or Basic (1.x users) in a header, never in the URL, where proxies log it. */
function authorization(config: InfluxConnectionConfig): Record<string, string> {
  if (config.token !== '') return { authorization: `Token ${config.token}` };
  if (config.username !== '') return { authorization: `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}` };
  return {};
}

async function httpError(response: Response): Promise<InfluxHttpError> {
  const text = await response.text().catch(() => '');
  const message = serverMessage(text) ?? response.headers.get('x-influxdb-error') ?? response.statusText;
  return new InfluxHttpError(response.status, message, parseRetryAfter(response.headers.get('retry-after')));
}
