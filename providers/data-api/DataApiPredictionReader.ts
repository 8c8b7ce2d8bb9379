import type { ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
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
import type { ForecastPoint, ModelRef, PredictionRow, TimeRange } from '../../src/domain/index.js';
import { isNotFoundError, throwIfAborted } from '../../src/runtime/errors.js';
import type { DataApiConfig } from './config.js';
import type { DataApiClientLike } from './DataApiClient.js';
import { datapointMs } from './datapointTime.js';
import { forecastSeries } from './forecastSeries.js';
import { outputSeries, type OutputColumn } from './outputSeries.js';
import { readPages } from './readPages.js';
import type { SeriesDirectory } from './SeriesDirectory.js';

/** The whole history a series can hold, for counts and the latest anomalies. */
const ALL_TIME: TimeRange = { fromMs: 0, toMs: Date.UTC(9999, 11, 31) };

type Row = { -readonly [K in keyof PredictionRow]: PredictionRow[K] } & { outputs: number[]; contributions: number[] };

/**
 * Reads back what DataApiPredictionStorage wrote. The Data API keeps numbers per series and nothing that
 * says which series a model has, so the model catalogue (model_info) gives a model's revision and tag names,
 * from which the series names follow (`output.naming`). Hence: the revision read is the one named, else the
 * model's current revision (not the newest in the range: a naming without `{revision}` keeps one series across
 * revisions anyway); counts and the latest anomalies read every listed model's `anomaly-flag` series over its
 * whole history (one multi-id read per 100 models), which costs what those series hold.
 * Forecasts (forecastSeries.ts): the issue in force is the last `forecast-coverage` point at or before the
 * time asked; its points are the target times whose `forecast-issued-at` value is that issue, so target
 * times a later issue forecast again are missing from a past issue (README).
 */
export class DataApiPredictionReader implements PredictionReader {
  constructor(
    private readonly client: DataApiClientLike,
    private readonly directory: SeriesDirectory,
    private readonly config: DataApiConfig,
    private readonly models: () => Promise<ModelInformationProvider>,
  ) {}

  async readPredictions(model: ModelRef, range: TimeRange, options: ReadPredictionsOptions = {}): Promise<StoredPredictions> {
    throwIfAborted(options.signal);
    const none = { project: model.project, model: model.name, revision: options.revision ?? '', tagNames: [], rows: [] };
    const described = await this.describe(model, options.revision, options.signal);
    if (described === undefined) return none;
    const { revision, tagNames } = described;
    const columns = await this.columns(model, revision, tagNames, options.signal);
    const rows = columns === undefined ? [] : await this.rows(columns, tagNames, range, options.signal);
    return {
      project: model.project,
      model: model.name,
      revision,
      tagNames,
      rows: options.limit === undefined ? rows : rows.slice(0, Math.max(0, options.limit)),
    };
  }

  async countPredictions(options: CountPredictionsOptions = {}): Promise<number> {
    throwIfAborted(options.signal);
    let count = 0;
    for (const flags of await this.flagSeries(options, options.signal)) {
      await this.forEachPoint([flags.id], ALL_TIME, options.signal, () => count++);
    }
    return count;
  }

  async latestAnomalies(options: LatestAnomaliesOptions): Promise<StoredAnomaly[]> {
    throwIfAborted(options.signal);
    const found: StoredAnomaly[] = [];
    for (const { model, columns } of await this.modelColumns(options, options.signal)) {
      const flags = columns.find((c) => c.operation === 'anomaly-flag');
      if (flags === undefined) continue;
      const times: number[] = [];
      await this.forEachPoint([flags.id], ALL_TIME, options.signal, (_, timeMs, value) => {
        if (value === 1) times.push(timeMs);
      });
      const newest = times.sort((a, b) => b - a).slice(0, options.limit);
      if (newest.length === 0) continue;
      // The score and threshold of those rows only: a read from the oldest of them on.
      const scores = columns.filter((c) => c.operation === 'total-anomaly' || c.operation === 'anomaly-threshold');
      const values = new Map<string, number>();
      await this.forEachPoint(
        scores.map((c) => c.id),
        { fromMs: newest.at(-1)!, toMs: newest[0]! + 1 },
        options.signal,
        (id, timeMs, value) => values.set(`${id} ${timeMs}`, value),
      );
      const valueAt = (operation: string, timeMs: number) => {
        const id = scores.find((c) => c.operation === operation)?.id;
        return values.get(`${id} ${timeMs}`) ?? NaN;
      };
      for (const timeMs of newest) {
        found.push({
          project: model.project,
          model: model.name,
          timeMs,
          totalAnomaly: valueAt('total-anomaly', timeMs),
          threshold: valueAt('anomaly-threshold', timeMs),
        });
      }
    }
    return found.sort((a, b) => b.timeMs - a.timeMs).slice(0, options.limit);
  }

  async readForecast(model: ModelRef, options: ReadForecastOptions = {}): Promise<StoredForecast | undefined> {
    const { signal } = options;
    throwIfAborted(signal);
    const described = await this.describe(model, options.revision, signal);
    if (described === undefined || described.tagNames.length === 0) return undefined;
    const { revision, tagNames } = described;
    const facilities = await this.directory.facilitiesOf(tagNames, signal);
    if (facilities.some((f) => f === undefined)) return undefined;
    const specs = forecastSeries(
      { project: model.project, model: model.name, revision, tagNames },
      facilities as string[],
      this.config.output,
    );
    const columns = await this.existing(specs, signal);
    const coverage = columns.find((c) => c.operation === 'forecast-coverage');
    const issuedAt = columns.find((c) => c.operation === 'forecast-issued-at');
    if (coverage === undefined || issuedAt === undefined) return undefined;

    // The issue in force: the newest coverage point up to asOfMs (one point per issue).
    let issue: { timeMs: number; coverage: number } | undefined;
    const upTo = options.asOfMs === undefined ? ALL_TIME.toMs : options.asOfMs + 1;
    await this.forEachPoint([coverage.id], { fromMs: ALL_TIME.fromMs, toMs: upTo }, signal, (_, timeMs, value) => {
      if (issue === undefined || timeMs > issue.timeMs) issue = { timeMs, coverage: value };
    });
    if (issue === undefined) return undefined;
    const issuedAtMs = issue.timeMs;

    // Its target times: those it wrote last, from the issue time on.
    const targets: number[] = [];
    await this.forEachPoint([issuedAt.id], { fromMs: issuedAtMs, toMs: ALL_TIME.toMs }, signal, (_, timeMs, value) => {
      if (value === issuedAtMs) targets.push(timeMs);
    });
    targets.sort((a, b) => a - b);
    const nans = () => tagNames.map(() => NaN);
    const points = new Map<number, { yhat: number[]; lower: number[]; upper: number[] }>(
      targets.map((t) => [t, { yhat: nans(), lower: nans(), upper: nans() }]),
    );
    const byId = new Map(columns.filter((c) => c.bound !== undefined).map((c) => [c.id, c]));
    if (targets.length > 0) {
      await this.forEachPoint([...byId.keys()], { fromMs: targets[0]!, toMs: targets.at(-1)! + 1 }, signal, (id, timeMs, value) => {
        const column = byId.get(id)!;
        const point = points.get(timeMs);
        if (point !== undefined) point[column.bound!][column.tagIndex] = value;
      });
    }
    const forecastPoints: ForecastPoint[] = targets.map((timeMs) => ({ timeMs, ...points.get(timeMs)! }));
    return { project: model.project, model: model.name, revision, tagNames, issuedAtMs, coverage: issue.coverage, points: forecastPoints };
  }

  /** The model's revision and tag names from the catalogue; undefined for a model (or revision) it does not know. */
  private async describe(model: ModelRef, revision: string | undefined, signal: AbortSignal | undefined) {
    try {
      const described = await (
        await this.models()
      ).describeModel(model.project, model.name, { ...(revision === undefined ? {} : { revision }), ...(signal ? { signal } : {}) });
      return { revision: described.revision, tagNames: described.targetTags.map((t) => t.name) };
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
  }

  /** The output series of a model revision that exist, with their ids; undefined when its tags have no facility (nothing was stored). */
  private async columns(
    model: ModelRef,
    revision: string,
    tagNames: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<(OutputColumn & { id: string })[] | undefined> {
    if (tagNames.length === 0) return undefined;
    const facilities = await this.directory.facilitiesOf(tagNames, signal);
    if (facilities.some((f) => f === undefined)) return undefined;
    const specs = outputSeries(
      { project: model.project, model: model.name, revision, tagNames },
      facilities as string[],
      this.config.output,
    );
    return this.existing(specs, signal);
  }

  /** The columns whose series exist, with their ids. */
  private async existing<C extends { spec: { name: string; facility: string } }>(
    specs: readonly C[],
    signal: AbortSignal | undefined,
  ): Promise<(C & { id: string })[]> {
    const found = await Promise.all(specs.map((c) => this.directory.find(c.spec.name, c.spec.facility, signal)));
    return specs.flatMap((c, i) => (found[i] === undefined ? [] : [{ ...c, id: found[i].id }]));
  }

  /** Rows at the times of the `anomaly-flag` series (one point per stored row), NaN where a value was not stored. */
  private async rows(
    columns: readonly (OutputColumn & { id: string })[],
    tagNames: readonly string[],
    range: TimeRange,
    signal: AbortSignal | undefined,
  ): Promise<PredictionRow[]> {
    const byId = new Map(columns.map((c) => [c.id, c]));
    const rows = new Map<number, Row>();
    const rowAt = (timeMs: number) => {
      let row = rows.get(timeMs);
      if (row === undefined) {
        const nans = () => tagNames.map(() => NaN);
        rows.set(timeMs, (row = { timeMs, outputs: nans(), contributions: nans(), totalAnomaly: NaN, threshold: NaN, isAnomaly: false }));
      }
      return row;
    };
    const flagged = new Set<number>();
    await this.forEachPoint([...byId.keys()], range, signal, (id, timeMs, value) => {
      const column = byId.get(id)!;
      const row = rowAt(timeMs);
      if (column.operation === 'model-output') row.outputs[column.tagIndex] = value;
      else if (column.operation === 'tag-anomaly') row.contributions[column.tagIndex] = value;
      else if (column.operation === 'total-anomaly') row.totalAnomaly = value;
      else if (column.operation === 'anomaly-threshold') row.threshold = value;
      else {
        row.isAnomaly = value === 1;
        flagged.add(timeMs);
      }
    });
    return [...rows.values()].filter((r) => flagged.has(r.timeMs)).sort((a, b) => a.timeMs - b.timeMs);
  }

  /** The models the options name (one, a project's, or every listed one), each with its existing output series. */
  private async modelColumns(options: { project?: string; model?: string }, signal: AbortSignal | undefined) {
    const catalogue = await this.models();
    const call = signal ? { signal } : {};
    const projects = options.project === undefined ? await catalogue.listProjects(call) : [options.project];
    const out: { model: ModelRef; columns: (OutputColumn & { id: string })[] }[] = [];
    for (const project of projects) {
      const names = options.model === undefined ? (await catalogue.listModels(project, call)).map((m) => m.name) : [options.model];
      for (const name of names) {
        const model = { project, name };
        const described = await this.describe(model, undefined, signal);
        if (described === undefined) continue;
        const columns = await this.columns(model, described.revision, described.tagNames, signal);
        if (columns !== undefined) out.push({ model, columns });
      }
    }
    return out;
  }

  private async flagSeries(options: { project?: string; model?: string }, signal: AbortSignal | undefined) {
    return (await this.modelColumns(options, signal)).flatMap(({ columns }) => columns.filter((c) => c.operation === 'anomaly-flag'));
  }

  /** Every point of the series in the range, with the status the storage writes; null values read as NaN. */
  private async forEachPoint(
    ids: readonly string[],
    range: TimeRange,
    signal: AbortSignal | undefined,
    sink: (id: string, timeMs: number, value: number) => void,
  ): Promise<void> {
    const read = { pointsPerRequest: this.config.read.pointsPerRequest, statusFilter: [this.config.output.status] };
    for (let i = 0; i < ids.length; i += this.config.read.idsPerRequest) {
      for await (const page of readPages(this.client, ids.slice(i, i + this.config.read.idsPerRequest), range, read, signal)) {
        for (const item of page.items) {
          for (const p of item.datapoints ?? []) {
            // [fromMs, toMs) whatever the API makes of the end time.
            const timeMs = datapointMs(p.time);
            if (timeMs >= range.fromMs && timeMs < range.toMs) sink(item.id, timeMs, typeof p.value === 'number' ? p.value : NaN);
          }
        }
      }
    }
  }
}
