import type { SensorLayout } from './config.js';

/**
 * InfluxQL text for the v1 API. Every name is a double-quoted identifier and every value a single-quoted
 * string, escaped as the InfluxQL scanner un-escapes them (`\\`, `\"` or `\'`, `\n`), so no name can end
 * a literal and start another clause or statement. Stored names never hold a carriage return (names.ts),
 * which InfluxQL literals cannot carry.
 */
export function quoteIdentifier(name: string): string {
  return `"${escapeLiteral(name, '"')}"`;
}

export function quoteString(value: string): string {
  return `'${escapeLiteral(value, "'")}'`;
}

function escapeLiteral(text: string, quote: '"' | "'"): string {
  if (text.includes('\r')) throw new RangeError('an InfluxQL literal cannot carry a carriage return');
  let out = '';
  for (const c of text) out += c === '\\' ? '\\\\' : c === quote ? `\\${quote}` : c === '\n' ? '\\n' : c;
  return out;
}

/** The read of one frame: stored series names (tag values or measurements), bucket grid and window. */
export interface ReadPlan {
  /** Stored names (names.ts) of the sensors, without repeats. */
  readonly keys: readonly string[];
  /** The first bucket start; the read covers [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  readonly resolutionMs: number;
}

/**
 * The mean per left-labelled bucket, aligned to the epoch like the embedded store's buckets; empty buckets
 * are left out (fill(none)). One series per sensor in the answer: tagged with `sensor_tag`, or named after
 * its measurement. (No count() beside the mean: it costs the server half as much again as the mean.)
 */
export function bucketMeansQuery(plan: ReadPlan, layout: SensorLayout): string {
  const field = quoteIdentifier(layout.field);
  const select = `SELECT mean(${field}) AS "mean"`;
  const time = `time >= ${plan.fromMs}ms AND time < ${plan.toMs}ms`;
  const every = `time(${plan.resolutionMs}ms)`;
  if (layout.measurementPerSensor) {
    return `${select} FROM ${plan.keys.map(quoteIdentifier).join(', ')} WHERE ${time} GROUP BY ${every} fill(none)`;
  }
  const tag = quoteIdentifier(layout.sensorTag);
  const sensors = plan.keys.map((key) => `${tag} = ${quoteString(key)}`).join(' OR ');
  return `${select} FROM ${quoteIdentifier(layout.measurement)} WHERE (${sensors}) AND ${time} GROUP BY ${every}, ${tag} fill(none)`;
}

/** Which sensors to list: all, those of one asset, or one by name (stored forms). */
export interface SensorFilter {
  readonly asset?: string;
  readonly sensor?: string;
}

/** The latest reading of every sensor series, grouped by the tags that describe it. */
export function sensorSeriesQuery(filter: SensorFilter, layout: SensorLayout): string {
  const conditions: string[] = [];
  if (filter.asset !== undefined) conditions.push(`${quoteIdentifier(layout.assetTag)} = ${quoteString(filter.asset)}`);
  let from: string;
  const groupBy = [layout.assetTag, layout.unitTag];
  if (layout.measurementPerSensor) {
    // A regex would have to escape every metacharacter of the name: one named measurement is simpler.
    from = filter.sensor === undefined ? '/.*/' : quoteIdentifier(filter.sensor);
  } else {
    from = quoteIdentifier(layout.measurement);
    if (filter.sensor !== undefined) conditions.push(`${quoteIdentifier(layout.sensorTag)} = ${quoteString(filter.sensor)}`);
    groupBy.unshift(layout.sensorTag);
  }
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  return `SELECT last(${quoteIdentifier(layout.field)}) FROM ${from}${where} GROUP BY ${groupBy.map(quoteIdentifier).join(', ')}`;
}
