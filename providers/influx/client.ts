import type { InfluxConnectionConfig, SensorLayout } from './config.js';
import type { ReadPlan, SensorFilter } from './influxql.js';
import { InfluxV1Client } from './InfluxV1Client.js';
import { InfluxV2Client } from './InfluxV2Client.js';

/** The mean of one bucket of one sensor; `key` is the sensor's stored name. */
export type BucketSink = (key: string, timeMs: number, mean: number) => void;

/** One sensor series as the database holds it (stored names; '' for a missing tag). */
export interface SensorSeries {
  readonly key: string;
  readonly asset: string;
  readonly unit: string;
  /** Time of its latest point, to pick the current description when a sensor's tags changed. */
  readonly lastMs: number;
}

/** One series of an InfluxQL answer: its tags (GROUP BY) and rows (`time` in ms first, then the selected columns). */
export interface QuerySeries {
  /** The statement's position in the query (0 for the first). */
  readonly statement: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
  readonly values: readonly (readonly unknown[])[];
}

/**
 * The calls the influx providers make, in either API mode. Implementations retry outages per request
 * (config `retry`) and throw ProviderError (see errors.ts); an aborted `signal` rejects with an AbortError.
 */
export interface InfluxClientLike {
  /** The exact query `readBucketMeans` runs for `plan` (for `rangeSpecifier`). Holds no credentials. */
  describeBucketMeans(plan: ReadPlan, layout: SensorLayout): string;
  /** Streams the mean of every non-empty bucket into `sink`, in any order. */
  readBucketMeans(plan: ReadPlan, layout: SensorLayout, sink: BucketSink, signal?: AbortSignal): Promise<void>;
  listSensorSeries(filter: SensorFilter, layout: SensorLayout, signal?: AbortSignal): Promise<SensorSeries[]>;
  /** Runs InfluxQL statements (`;`-separated) and returns every series of every statement; for the prediction reads. */
  queryInfluxQL(q: string, signal?: AbortSignal): Promise<QuerySeries[]>;
  /** Writes line-protocol lines (timestamps in ms) in one request. */
  writeLines(lines: readonly string[], signal?: AbortSignal): Promise<void>;
}

export function createInfluxClient(config: InfluxConnectionConfig): InfluxClientLike {
  return config.api === 'v2' ? new InfluxV2Client(config) : new InfluxV1Client(config);
}
