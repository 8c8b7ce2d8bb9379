import type {
  CountPredictionsOptions,
  LatestAnomaliesOptions,
  PredictionReader,
  ReadForecastOptions,
  ReadPredictionsOptions,
  StoredAnomaly,
  StoredForecast,
  StoredPredictions,
} from '../../src/contracts/PredictionReader.js';
import type { ForecastPoint } from '../../src/domain/Forecast.js';
import type { ModelRef } from '../../src/domain/ModelDescription.js';
import type { PredictionRow } from '../../src/domain/Prediction.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import { throwIfAborted } from '../../src/runtime/errors.js';
import type { InfluxClientLike, QuerySeries } from './client.js';
import type { PredictionLayout } from './config.js';
import { quoteIdentifier, quoteString } from './influxql.js';
import { fromStoredName, toStoredName } from './names.js';
import { issuedAtTag, OUTPUT_KINDS, RESERVED_OUTPUTS } from './predictionLines.js';

/**
 * Reads back what InfluxPredictionStorage wrote (README "Predictions"), with InfluxQL in both API modes: rows
 * are put together from their points (one per value), the tag names ordered by their `tag-index` points, a
 * value that was not written (NaN, ±Infinity) read as NaN. Counts and anomalies use the `is-anomaly` points,
 * one per row.
 */
export class InfluxPredictionReader implements PredictionReader {
  private readonly from: string;
  private readonly field: string;

  constructor(
    private readonly client: InfluxClientLike,
    private readonly layout: PredictionLayout,
  ) {
    this.from = quoteIdentifier(layout.measurement);
    this.field = quoteIdentifier(layout.field);
  }

  async readPredictions(model: ModelRef, range: TimeRange, options: ReadPredictionsOptions = {}): Promise<StoredPredictions> {
    throwIfAborted(options.signal);
    const { signal } = options;
    const none = { project: model.project, model: model.name, revision: options.revision ?? '', tagNames: [], rows: [] };
    const ofModel = this.ofModel(model);
    let toMs = range.toMs;
    const inRange = () => `time >= ${range.fromMs}ms AND time < ${toMs}ms`;
    let revision = options.revision;
    if (revision === undefined) {
      // The revision of the newest row in the range: what the model served last.
      const newest = await this.query(
        `SELECT last(${this.field}) FROM ${this.from} WHERE ${ofModel} AND ${this.outputIs(OUTPUT_KINDS.isAnomaly)} AND ${inRange()} ` +
          `GROUP BY ${quoteIdentifier(this.layout.tags.revision)}`,
        signal,
      );
      let newestMs = -Infinity;
      for (const s of newest) {
        const t = Number(s.values[0]?.[0]);
        if (t > newestMs) [newestMs, revision] = [t, fromStoredName(s.tags[this.layout.tags.revision] ?? '')];
      }
      if (revision === undefined) return none;
    }
    const ofRevision = `${ofModel} AND ${this.tagIs(this.layout.tags.revision, revision)}`;
    if (options.limit !== undefined) {
      // The earliest `limit` rows end at the limit-th row's time.
      if (options.limit <= 0) return { ...none, revision };
      const [flags] = await this.query(
        `SELECT ${this.field} FROM ${this.from} WHERE ${ofRevision} AND ${this.outputIs(OUTPUT_KINDS.isAnomaly)} AND ${inRange()} ` +
          `ORDER BY time ASC LIMIT ${Math.floor(options.limit)}`,
        signal,
      );
      const last = flags?.values.at(-1)?.[0];
      if (last === undefined) return { ...none, revision };
      toMs = Math.min(toMs, Number(last) + 1);
    }
    const points = await this.query(
      `SELECT ${this.field} FROM ${this.from} WHERE ${ofRevision} AND ${this.tagIs(this.layout.tags.issuedAt, '')} AND ${inRange()} ` +
        `GROUP BY ${quoteIdentifier(this.layout.tags.output)}, ${quoteIdentifier(this.layout.tags.sensor)}`,
      signal,
    );
    const tagNames = await this.tagNames(ofRevision, points, signal);
    return { project: model.project, model: model.name, revision, tagNames, rows: this.rows(points, tagNames) };
  }

  async countPredictions(options: CountPredictionsOptions = {}): Promise<number> {
    throwIfAborted(options.signal);
    const [count] = await this.query(
      `SELECT count(${this.field}) FROM ${this.from} WHERE ${this.outputIs(OUTPUT_KINDS.isAnomaly)}${this.scope(options)}`,
      options.signal,
    );
    return Number(count?.values[0]?.[1] ?? 0);
  }

  async latestAnomalies(options: LatestAnomaliesOptions): Promise<StoredAnomaly[]> {
    throwIfAborted(options.signal);
    const limit = Math.floor(options.limit);
    if (limit <= 0) return [];
    const { project, model, revision } = this.layout.tags;
    // The newest `limit` of each series, then the newest `limit` of them all.
    const flagged = await this.query(
      `SELECT ${this.field} FROM ${this.from} WHERE ${this.outputIs(OUTPUT_KINDS.isAnomaly)} AND ${this.field} = 1${this.scope(options)} ` +
        `GROUP BY ${[project, model, revision].map(quoteIdentifier).join(', ')} ORDER BY time DESC LIMIT ${limit}`,
      options.signal,
    );
    const anomalies = flagged
      .flatMap((s) => s.values.map((v) => ({ tags: s.tags, timeMs: Number(v[0]) })))
      .sort((a, b) => b.timeMs - a.timeMs)
      .slice(0, limit);
    if (anomalies.length === 0) return [];
    // The score and threshold of each, in one request: one statement per anomaly.
    const scores = await this.query(
      anomalies
        .map(
          (a) =>
            `SELECT ${this.field} FROM ${this.from} WHERE ${[project, model, revision].map((k) => this.storedTagIs(k, a.tags[k] ?? '')).join(' AND ')} ` +
            `AND (${this.outputIs(OUTPUT_KINDS.totalAnomaly)} OR ${this.outputIs(OUTPUT_KINDS.threshold)}) ` +
            `AND time >= ${a.timeMs}ms AND time <= ${a.timeMs}ms GROUP BY ${quoteIdentifier(this.layout.tags.output)}`,
        )
        .join('; '),
      options.signal,
    );
    return anomalies.map((a, i) => {
      const valueOf = (output: string) => {
        const series = scores.find((s) => s.statement === i && s.tags[this.layout.tags.output] === output);
        return Number(series?.values[0]?.[1] ?? NaN);
      };
      return {
        project: fromStoredName(a.tags[project] ?? ''),
        model: fromStoredName(a.tags[model] ?? ''),
        timeMs: a.timeMs,
        totalAnomaly: valueOf(OUTPUT_KINDS.totalAnomaly),
        threshold: valueOf(OUTPUT_KINDS.threshold),
      };
    });
  }

  async readForecast(model: ModelRef, options: ReadForecastOptions = {}): Promise<StoredForecast | undefined> {
    throwIfAborted(options.signal);
    const { signal } = options;
    const tags = this.layout.tags;
    let where = `${this.ofModel(model)} AND ${this.outputIs(OUTPUT_KINDS.forecastCoverage)}`;
    if (options.revision !== undefined) where += ` AND ${this.tagIs(tags.revision, options.revision)}`;
    if (options.asOfMs !== undefined) where += ` AND time <= ${options.asOfMs}ms`;
    // The coverage point of each issue lies at its issue time: the newest is the forecast in force.
    const [issue] = await this.query(
      `SELECT ${this.field}, ${quoteIdentifier(tags.revision)}, ${quoteIdentifier(tags.issuedAt)} FROM ${this.from} WHERE ${where} ` +
        'ORDER BY time DESC LIMIT 1',
      signal,
    );
    const row = issue?.values[0];
    if (issue === undefined || row === undefined) return undefined;
    const issuedAtMs = Number(row[0]);
    const stored = row[issue.columns.indexOf(tags.revision)];
    const revision = fromStoredName(typeof stored === 'string' ? stored : '');
    const ofRevision = `${this.ofModel(model)} AND ${this.tagIs(tags.revision, revision)}`;
    const outputs = [OUTPUT_KINDS.forecastYhat, OUTPUT_KINDS.forecastLower, OUTPUT_KINDS.forecastUpper];
    const points = await this.query(
      `SELECT ${this.field} FROM ${this.from} WHERE ${ofRevision} AND ${this.storedTagIs(tags.issuedAt, issuedAtTag(issuedAtMs))} ` +
        `AND (${outputs.map((o) => this.outputIs(o)).join(' OR ')}) ` +
        `GROUP BY ${quoteIdentifier(tags.output)}, ${quoteIdentifier(tags.sensor)}`,
      signal,
    );
    const tagNames = await this.tagNames(ofRevision, points, signal);
    const byTime = new Map<number, { yhat: number[]; lower: number[]; upper: number[] }>();
    const slot = {
      [OUTPUT_KINDS.forecastYhat]: 'yhat',
      [OUTPUT_KINDS.forecastLower]: 'lower',
      [OUTPUT_KINDS.forecastUpper]: 'upper',
    } as const;
    for (const s of points) {
      const name = slot[s.tags[tags.output] as keyof typeof slot];
      const i = tagNames.indexOf(fromStoredName(s.tags[tags.sensor] ?? ''));
      if (name === undefined || i < 0) continue;
      for (const [t, v] of s.values) {
        const timeMs = Number(t);
        let point = byTime.get(timeMs);
        if (point === undefined) byTime.set(timeMs, (point = { yhat: nans(tagNames), lower: nans(tagNames), upper: nans(tagNames) }));
        point[name][i] = Number(v);
      }
    }
    const forecastPoints: ForecastPoint[] = [...byTime].sort(([a], [b]) => a - b).map(([timeMs, p]) => ({ timeMs, ...p }));
    return {
      project: model.project,
      model: model.name,
      revision,
      tagNames,
      issuedAtMs,
      coverage: Number(row[1]),
      points: forecastPoints,
    };
  }

  /** The revision's tag names in the order stored (tag-index points); sorted names of its points when it has none. */
  private async tagNames(ofRevision: string, points: readonly QuerySeries[], signal: AbortSignal | undefined): Promise<string[]> {
    const sensor = this.layout.tags.sensor;
    const indexed = await this.query(
      `SELECT last(${this.field}) FROM ${this.from} WHERE ${ofRevision} AND ${this.outputIs(OUTPUT_KINDS.tagIndex)} GROUP BY ${quoteIdentifier(sensor)}`,
      signal,
    );
    if (indexed.length > 0) {
      return indexed
        .map((s) => ({ name: fromStoredName(s.tags[sensor] ?? ''), index: Number(s.values[0]?.[1]) }))
        .sort((a, b) => a.index - b.index)
        .map((t) => t.name);
    }
    return [...new Set(points.map((s) => s.tags[sensor] ?? '').filter((name) => name !== ''))].map(fromStoredName).sort();
  }

  /** Rows from the points of one revision: one per timestamp, values aligned with `tagNames`, NaN where none was stored. */
  private rows(points: readonly QuerySeries[], tagNames: readonly string[]): PredictionRow[] {
    const { output: outputTag, sensor } = this.layout.tags;
    type Row = {
      outputs: number[];
      contributions: number[];
      totalAnomaly: number;
      threshold: number;
      isAnomaly: boolean;
      details?: Record<string, number>;
    };
    const rows = new Map<number, Row>();
    for (const s of points) {
      const output = fromStoredName(s.tags[outputTag] ?? '');
      if (output === OUTPUT_KINDS.tagIndex) continue;
      const i = tagNames.indexOf(fromStoredName(s.tags[sensor] ?? ''));
      for (const [t, v] of s.values) {
        const timeMs = Number(t);
        const value = Number(v);
        let row = rows.get(timeMs);
        if (row === undefined)
          rows.set(
            timeMs,
            (row = { outputs: nans(tagNames), contributions: nans(tagNames), totalAnomaly: NaN, threshold: NaN, isAnomaly: false }),
          );
        if (output === OUTPUT_KINDS.modelOutput) {
          if (i >= 0) row.outputs[i] = value;
        } else if (output === OUTPUT_KINDS.contribution) {
          if (i >= 0) row.contributions[i] = value;
        } else if (output === OUTPUT_KINDS.totalAnomaly) row.totalAnomaly = value;
        else if (output === OUTPUT_KINDS.threshold) row.threshold = value;
        else if (output === OUTPUT_KINDS.isAnomaly) row.isAnomaly = value === 1;
        else if (!RESERVED_OUTPUTS.has(output)) (row.details ??= {})[output] = value;
      }
    }
    return [...rows].sort(([a], [b]) => a - b).map(([timeMs, row]) => ({ timeMs, ...row }));
  }

  private query(q: string, signal: AbortSignal | undefined): Promise<QuerySeries[]> {
    return this.client.queryInfluxQL(q, signal);
  }

  private ofModel(model: ModelRef): string {
    return `${this.tagIs(this.layout.tags.project, model.project)} AND ${this.tagIs(this.layout.tags.model, model.name)}`;
  }

  private scope(options: { project?: string; model?: string }): string {
    let where = '';
    if (options.project !== undefined) where += ` AND ${this.tagIs(this.layout.tags.project, options.project)}`;
    if (options.model !== undefined) where += ` AND ${this.tagIs(this.layout.tags.model, options.model)}`;
    return where;
  }

  private outputIs(output: string): string {
    return this.tagIs(this.layout.tags.output, output);
  }

  /** `"key" = 'stored form of value'`; the empty value matches points without the tag. */
  private tagIs(key: string, value: string): string {
    return this.storedTagIs(key, value === '' ? '' : toStoredName(value));
  }

  private storedTagIs(key: string, stored: string): string {
    return `${quoteIdentifier(key)} = ${quoteString(stored)}`;
  }
}

function nans(tagNames: readonly string[]): number[] {
  return tagNames.map(() => NaN);
}
