import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { ModelExecutionProvider, ModelStatus } from '../../src/contracts/ModelExecutionProvider.js';
import type { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import type { ModelDescription, ModelRef } from '../../src/domain/ModelDescription.js';
import type { PredictionRow, PredictionSet } from '../../src/domain/Prediction.js';
import type { SensorFrame } from '../../src/domain/SensorFrame.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import {
  InvalidDataError,
  NotFoundError,
  ProviderError,
  throwIfAborted,
  isInvalidDataError,
  isNotFoundError,
} from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { GordoClientLike, PredictionEndpoint } from './client.js';
import { decodePredictionData } from './decodeResponse.js';
import { encodePredictionBody, pandasTimestampKey } from './encodeRequest.js';
import { NotAnAnomalyDetectorError, RevisionGoneError } from './errors.js';
import { GordoModelCache } from './GordoModelCache.js';
import type { GordoModel } from './metadata.js';
import { mapWithLimit } from './parallel.js';
import { HISTORY_MARGIN_ROWS, prepareRows, type PreparedRows } from './prepareRows.js';
import { cacheKey } from './PromiseCache.js';

export interface GordoModelExecutionOptions {
  /** Rows per prediction request. */
  readonly batchRows: number;
  /** Requests of one task in flight at once. */
  readonly parallelism: number;
  readonly metadataCacheSize: number;
  /** Shared with the process's GordoModelInformationProvider; a cache of `metadataCacheSize` of its own when omitted. */
  readonly models?: GordoModelCache;
}

/**
 * Runs models on their Gordo ML server. Every call of a task names the task's revision (`?revision=`),
 * so a rebuild in the middle cannot mix revisions. The data step Gordo's Python client does (join, drop
 * incomplete rows, row filter, thresholds) happens here, on the frame the executor read; tags the frame
 * lacks (targets that are not inputs) are read through the SensorDataProvider.
 *
 * - `/anomaly/prediction` first; a 422 there switches that model (at that revision) to `/prediction`;
 *   422 on both is a permanent ProviderError quoting the server.
 * - 410: the revision may be gone. `/revisions` is asked once; if the server still lists it the call is
 *   repeated once, otherwise NotFoundError (permanent: the scheduler plans the window at the new revision).
 * - 5xx, timeouts and dropped connections are retryable ProviderErrors (the executor retries the task).
 */
export class GordoModelExecutionProvider implements ModelExecutionProvider {
  private readonly metadata: GordoModelCache;
  /** Models (at a revision) whose anomaly endpoint answered 422. */
  private readonly predictionOnly = new Set<string>();

  constructor(
    private readonly client: GordoClientLike,
    private readonly sensorData: SensorDataProvider,
    private readonly options: GordoModelExecutionOptions,
    private readonly log: Logger,
  ) {
    this.metadata = options.models ?? new GordoModelCache(client, options.metadataCacheSize);
  }

  register(model: ModelDescription, options?: CallOptions): Promise<ModelStatus> {
    return this.status(model, options);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async turns throwIfAborted into the rejection the contract promises
  async unregister(model: ModelRef, options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal);
    this.metadata.forget(model.project, model.name);
    const prefix = cacheKey(model.project, model.name).slice(0, -1);
    for (const key of [...this.predictionOnly]) if (key.startsWith(prefix)) this.predictionOnly.delete(key);
  }

  async status(model: ModelRef & { revision?: string }, options?: CallOptions): Promise<ModelStatus> {
    throwIfAborted(options?.signal);
    const revision = model.revision ?? (await this.client.revisions(model.project, options)).latest;
    try {
      await this.modelAt(model.project, model.name, revision, options?.signal);
      return { state: 'ready', revision };
    } catch (err) {
      if (err instanceof RevisionGoneError)
        return { state: 'not_registered', revision, reason: `revision ${revision} is gone from the server` };
      if (isNotFoundError(err)) {
        const expected = await this.client.expectedModels(model.project, revision, options).catch(() => [] as string[]);
        return expected.includes(model.name)
          ? { state: 'training', revision, reason: 'expected by the project, not built yet' }
          : { state: 'not_registered', reason: `the server has no model ${model.name} at revision ${revision}` };
      }
      if (isInvalidDataError(err)) return { state: 'failed', revision, reason: err.message };
      throw err;
    }
  }

  /** The margin of rows Gordo's client reads before the window, besides the model's offset. */
  requiredHistoryRows(): number {
    return HISTORY_MARGIN_ROWS;
  }

  async execute(description: ModelDescription, frame: SensorFrame, window: TimeRange, options?: CallOptions): Promise<PredictionSet> {
    const signal = options?.signal;
    throwIfAborted(signal);
    const { project, name, revision } = description;
    return this.pinned(project, name, revision, signal, async () => {
      const model = await this.modelAt(project, name, revision, signal);
      const unsupported = model.aggregationMethods.filter((m) => m !== 'mean');
      if (unsupported.length > 0) {
        throw new InvalidDataError(
          `model ${project}/${name}: aggregation ${JSON.stringify(model.aggregationMethods)} is not supported (sensor data is resampled by mean)`,
        );
      }
      const prepared = prepareRows(model, frame, await this.columnsOf(model, frame, signal), window);
      const inWindow = (timeMs: number) => timeMs >= window.fromMs && timeMs < window.toMs;
      const rows = (await this.predictRows(model, prepared, signal)).filter((row) => inWindow(row.timeMs));
      // Rows sent for the window that the answer lacks (invariant 7: counted, not silently lost).
      const unanswered = prepared.timesMs.filter(inWindow).length - rows.length;
      return {
        project,
        model: name,
        revision,
        window,
        tagNames: model.targetTags.map((t) => t.name),
        rows,
        counts: { ...prepared.counts, unanswered_rows: Math.max(0, unanswered) },
      };
    });
  }

  /** Sends the rows in batches; a sequence model's batch starts `offset` rows early so no output row is lost. */
  private async predictRows(model: GordoModel, prepared: PreparedRows, signal: AbortSignal | undefined): Promise<PredictionRow[]> {
    const keys = prepared.timesMs.map(pandasTimestampKey);
    const batches: { start: number; end: number }[] = [];
    for (let start = 0; start < keys.length; start += this.options.batchRows) {
      batches.push({ start: Math.max(0, start - model.offsetRows), end: Math.min(keys.length, start + this.options.batchRows) });
    }
    const answers = await mapWithLimit(batches, this.options.parallelism, async ({ start, end }) => {
      const body = encodePredictionBody(keys, model.inputTags, prepared.x, model.targetTags, prepared.y, start, end);
      return this.predictBatch(model, body, signal);
    });
    const byTime = new Map<number, PredictionRow>();
    const targets = model.targetTags.map((t) => t.name);
    const sent = { timesMs: prepared.timesMs, y: prepared.y };
    for (const answer of answers) {
      const decodeOptions = {
        targets,
        sent,
        ...(model.aggregateThreshold === undefined ? {} : { aggregateThreshold: model.aggregateThreshold }),
      };
      for (const row of decodePredictionData(answer, decodeOptions)) byTime.set(row.timeMs, row);
    }
    return [...byTime.values()].sort((a, b) => a.timeMs - b.timeMs);
  }

  private async predictBatch(model: GordoModel, body: string, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
    const key = cacheKey(model.project, model.name, model.revision);
    const call = (endpoint: PredictionEndpoint) =>
      this.client.predict(model.project, model.name, model.revision, endpoint, body, signal ? { signal } : {});
    if (!this.predictionOnly.has(key)) {
      try {
        return await call('anomaly/prediction');
      } catch (err) {
        if (!(err instanceof NotAnAnomalyDetectorError)) throw err;
        this.predictionOnly.add(key);
        this.log.info('model is not an anomaly detector; using /prediction for it', {
          project: model.project,
          model: model.name,
          revision: model.revision,
          reason: err.message,
        });
      }
    }
    try {
      return await call('prediction');
    } catch (err) {
      if (!(err instanceof NotAnAnomalyDetectorError)) throw err;
      throw new ProviderError(
        `model ${model.project}/${model.name} at revision ${model.revision} answers 422 on both /anomaly/prediction and /prediction: ${err.message}`,
        { retryable: false, cause: err },
      );
    }
  }

  /** Columns of the frame by tag name, plus any of the model's tags the frame lacks, read now. */
  private async columnsOf(
    model: GordoModel,
    frame: SensorFrame,
    signal: AbortSignal | undefined,
  ): Promise<(name: string) => Float64Array | undefined> {
    const columns = new Map<string, Float64Array>();
    frame.tags.forEach((tag, i) => columns.set(tag.name, frame.columns[i]!));
    const missing = [...model.inputTags, ...model.targetTags].filter(
      (t, i, all) => !columns.has(t.name) && all.findIndex((o) => o.name === t.name) === i,
    );
    if (missing.length > 0) {
      const extra = await this.sensorData.getData(missing, frame.range, frame.resolutionMs, signal ? { signal } : {});
      extra.tags.forEach((tag, i) => columns.set(tag.name, extra.columns[i]!));
    }
    return (name) => columns.get(name);
  }

  private modelAt(project: string, name: string, revision: string, signal: AbortSignal | undefined): Promise<GordoModel> {
    return this.metadata.get(project, name, revision, signal);
  }

  /** Runs `fn`; on a 410 asks `/revisions` once and repeats `fn` once only if the revision is still listed. */
  private async pinned<T>(
    project: string,
    name: string,
    revision: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof RevisionGoneError)) throw err;
      const listing = await this.client.revisions(project, signal ? { signal } : {});
      if (listing.available.includes(revision)) {
        try {
          return await fn();
        } catch (again) {
          if (again instanceof RevisionGoneError) throw gone(project, name, revision, listing.latest, again);
          throw again;
        }
      }
      throw gone(project, name, revision, listing.latest, err);
    }
  }
}

function gone(project: string, name: string, revision: string, latest: string, cause: Error): NotFoundError {
  return new NotFoundError(
    `model ${project}/${name}: revision ${revision} is gone from the Gordo server (it serves ${latest} now): ${cause.message}`,
    { cause },
  );
}
