import { FLUX_VALUE, fluxString } from '@influxdata/influxdb-client';
import type { SensorLayout } from './config.js';
import type { ReadPlan, SensorFilter } from './influxql.js';

/**
 * Flux text for the v2 API, equivalent to influxql.ts. String values go through the client's own
 * `fluxString` (escapes quotes, backslashes, `${` and control characters); columns are read as
 * `r["name"]`, so no name is ever spliced in bare.
 */
const str = (value: string): string => fluxString(value)[FLUX_VALUE]();
const column = (name: string): string => `r[${str(name)}]`;
const instant = (ms: number): string => new Date(ms).toISOString();

/** Mean per left-labelled bucket (`timeSrc: "_start"`), windows aligned to the epoch like InfluxQL's. */
export function bucketMeansFlux(bucket: string, plan: ReadPlan, layout: SensorLayout): string {
  const keyColumn = layout.measurementPerSensor ? '_measurement' : layout.sensorTag;
  const series = layout.measurementPerSensor
    ? `r._field == ${str(layout.field)}`
    : `r._measurement == ${str(layout.measurement)} and r._field == ${str(layout.field)}`;
  const sensors = plan.keys.map((key) => `${column(keyColumn)} == ${str(key)}`).join(' or ');
  return [
    `from(bucket: ${str(bucket)})`,
    `  |> range(start: ${instant(plan.fromMs)}, stop: ${instant(plan.toMs)})`,
    `  |> filter(fn: (r) => ${series})`,
    `  |> filter(fn: (r) => ${sensors})`,
    `  |> aggregateWindow(every: ${plan.resolutionMs}ms, fn: mean, createEmpty: false, timeSrc: "_start")`,
    `  |> keep(columns: ["_time", "_value", ${str(keyColumn)}])`,
  ].join('\n');
}

/** The latest point of every sensor series, with the tags that describe it. */
export function sensorSeriesFlux(bucket: string, filter: SensorFilter, layout: SensorLayout): string {
  const keyColumn = layout.measurementPerSensor ? '_measurement' : layout.sensorTag;
  const conditions = [`r._field == ${str(layout.field)}`];
  if (!layout.measurementPerSensor) conditions.unshift(`r._measurement == ${str(layout.measurement)}`);
  if (filter.sensor !== undefined) conditions.push(`${column(keyColumn)} == ${str(filter.sensor)}`);
  if (filter.asset !== undefined) conditions.push(`${column(layout.assetTag)} == ${str(filter.asset)}`);
  return [
    `from(bucket: ${str(bucket)})`,
    '  |> range(start: 1970-01-01T00:00:00Z)',
    `  |> filter(fn: (r) => ${conditions.join(' and ')})`,
    '  |> last()',
    `  |> keep(columns: ["_time", ${[keyColumn, layout.assetTag, layout.unitTag].map(str).join(', ')}])`,
  ].join('\n');
}
