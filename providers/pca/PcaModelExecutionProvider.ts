import { LRUCache } from 'lru-cache';
import { performance } from 'node:perf_hooks';
import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { ModelExecutionProvider, ModelStatus } from '../../src/contracts/ModelExecutionProvider.js';
import type { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import type { ModelDescription, ModelRef } from '../../src/domain/ModelDescription.js';
import type { PredictionSet } from '../../src/domain/Prediction.js';
import type { FrameRows } from '../../src/domain/resample.js';
import { bucketCount, type SensorFrame } from '../../src/domain/SensorFrame.js';
import { formatRange, type TimeRange } from '../../src/domain/TimeRange.js';
import type { Database } from '../../src/persistence/Database.js';
import { abandonOnAbort } from '../../src/runtime/abort.js';
import { systemClock, type Clock } from '../../src/runtime/clock.js';
import {
  describeError,
  InsufficientDataError,
  InvalidDataError,
  isAbortError,
  throwIfAborted,
  isInsufficientDataError,
} from '../../src/runtime/errors.js';
import type { Logger } from '../../src/runtime/logger.js';
import type { EmbeddedPredictorConfig } from './config.js';
import { MAX_AUTO_LAGS } from './chooseLags.js';
import { detectorSettings } from './detectorSettings.js';
import { fitDetectorOffLoop } from './fitDetectorInWorker.js';
import { ModelRevisionStore, type RevisionKey, type TrainedModel } from './ModelRevisionStore.js';
import type { PcaParameters } from './PcaParameters.js';
import { predictRowsYielding } from './predictRows.js';
import { completeColumns, selectRows } from './selectRows.js';

/**
 * How long a revision whose training found too little data is left alone. Training reads the whole training
 * range; without this every task of an untrainable model (one per window) would read it again. Ten minutes
 * spans a typical scheduler interval, so a model whose sensors start reporting is retried within a cycle or so.
 */
export const UNTRAINABLE_RETRY_MS = 10 * 60_000;

/** A window whose padding lacks history rows (a data gap) reads up to this many times the history's span further back... */
const HISTORY_LOOKBACK_FACTOR = 64;
/** ...and at least this far: an hour of a 1 s sensor is 3,600 rows, a cheap read next to a gap's cost. */
const HISTORY_LOOKBACK_MIN_MS = 3_600_000;

export interface PcaModelExecutionOptions {
  clock?: Clock;
  /** Defaults to UNTRAINABLE_RETRY_MS. */
  untrainableRetryMs?: number;
  /** Defaults to MAX_CACHED_MODELS. */
  maxCachedModels?: number;
}

/**
 * Models whose trained parameters stay in memory, the most recently used first. A cycle runs each model once,
 * so keeping all of them saves nothing there and costs ~20 KB of live heap a model (dynamic PCA's loadings
 * as JS numbers): with 4,500 models an executor's 128 MB heap was mostly parameters and a third of its CPU
 * went to garbage collection (cycle-embedded at full scale). A backfill, which runs one model's windows one
 * after another, still finds its model here. Past the bound a model's parameters are read from the
 * database again (one indexed row).
 */
export const MAX_CACHED_MODELS = 1_000;

/**
 * The local PCA anomaly model (see README.md in this folder). A revision is trained on first use (or by
 * `register`) from its training range, stored once in `model_revision`, and the most recently used are
 * kept in memory (MAX_CACHED_MODELS), so a task on such a model costs no database statement here. A revision whose training data is
 * insufficient fails its tasks fast for UNTRAINABLE_RETRY_MS before `execute` tries training again;
 * `register` always tries.
 */
export class PcaModelExecutionProvider implements ModelExecutionProvider {
  private readonly store: ModelRevisionStore;
  /** Trained models by model key, then revision; the least recently used model goes first when it is full. */
  private readonly trained: LRUCache<string, Map<string, TrainedModel>>;
  /** Trainings in progress: concurrent tasks of one untrained revision share one training. */
  private readonly training = new Map<string, Promise<TrainedModel>>();
  /** Why the last training of a revision failed in this process, for `status`. */
  private readonly failures = new Map<string, string>();
  /** Revisions whose training found too little data, with that error and when execute may try again. */
  private readonly untrainable = new Map<string, { error: InsufficientDataError; retryAtMs: number }>();
  private readonly clock: Clock;
  private readonly untrainableRetryMs: number;

  constructor(
    db: Database,
    private readonly sensorData: SensorDataProvider,
    private readonly config: EmbeddedPredictorConfig,
    private readonly log: Logger,
    options: PcaModelExecutionOptions = {},
  ) {
    this.store = new ModelRevisionStore(db);
    this.clock = options.clock ?? systemClock;
    this.untrainableRetryMs = options.untrainableRetryMs ?? UNTRAINABLE_RETRY_MS;
    this.trained = new LRUCache({ max: options.maxCachedModels ?? MAX_CACHED_MODELS });
  }

  async register(model: ModelDescription, options?: CallOptions): Promise<ModelStatus> {
    // An explicit request (e.g. `latigo models train`) ignores a cached failure: the data may be there now.
    await this.trainedModel(model, options?.signal, { retryUntrainable: true });
    return { state: 'ready', revision: model.revision };
  }

  async unregister(model: ModelRef, options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal);
    const revisions = await this.store.deleteModel(model);
    this.trained.delete(modelKey(model));
    const prefix = `${modelKey(model)}#`;
    for (const key of [...this.failures.keys()]) if (key.startsWith(prefix)) this.failures.delete(key);
    for (const key of [...this.untrainable.keys()]) if (key.startsWith(prefix)) this.untrainable.delete(key);
    if (revisions > 0) this.log.info('model unregistered', { project: model.project, model: model.name, revisions });
  }

  async status(model: ModelRef & { revision?: string }, options?: CallOptions): Promise<ModelStatus> {
    throwIfAborted(options?.signal);
    const revision = model.revision ?? (await this.store.latestRevision(model));
    if (revision === undefined) return { state: 'not_registered' };
    const key = { project: model.project, name: model.name, revision };
    const cached = this.cached(key);
    if (cached) return readyStatus(revision, cached);
    if (this.training.has(revisionKey(key))) return { state: 'training', revision };
    const stored = await this.store.load(key);
    if (stored) return readyStatus(revision, stored);
    const reason = this.failures.get(revisionKey(key));
    return reason === undefined ? { state: 'not_registered', revision } : { state: 'failed', revision, reason };
  }

  /**
   * The lags and the trailing smoothing reach back `lags + smoothing rows - 1` complete rows before the
   * window's first row. Before the revision is trained, `lags: auto` asks for its most (MAX_AUTO_LAGS).
   */
  requiredHistoryRows(model: ModelDescription): number {
    const settings = detectorSettings(model, this.config);
    const lags = this.cached(model)?.parameters.lags ?? (settings.lags === 'auto' ? MAX_AUTO_LAGS : settings.lags);
    return lags + settings.smoothing.rows - 1;
  }

  /** Rows with a missing value are never scored, so buckets without any value need not be read at all. */
  frameRows(): FrameRows {
    return 'present';
  }

  async execute(model: ModelDescription, data: SensorFrame, window: TimeRange, options?: CallOptions): Promise<PredictionSet> {
    const trained = await this.trainedModel(model, options?.signal);
    throwIfAborted(options?.signal);
    const settings = detectorSettings(model, this.config);
    const historyRows = (trained.parameters.lags ?? 0) + settings.smoothing.rows - 1;
    let frame = { timestamps: data.timestamps, columns: inputColumns(model, data) };
    let selection = selectRows(frame.timestamps, frame.columns, window, historyRows);
    const expected = bucketCount(window, model.resolutionMs);
    const needed = Math.max(1, Math.ceil(this.config.minWindowCoverage * expected));
    const lowCoverage = selection.completeInWindow < needed;
    if (selection.completeInWindow === 0 || (lowCoverage && this.config.lowCoverage === 'skip')) {
      throw new InsufficientDataError(
        `${describeModel(model)}: ${selection.completeInWindow} of ${expected} rows in ` +
          `${formatRange(window)} have a value for every input tag, at least ${needed} needed`,
      );
    }
    let historyRead = false;
    if (selection.firstInWindow < historyRows) {
      // Gaps in the padding: read further back, so the row's lags and smoothing see the same complete rows
      // whichever window scores it (identical scores in 1-minute windows, 10-minute windows, one piece).
      frame = await this.withEarlierHistory(model, data, frame, window, historyRows, options?.signal);
      selection = selectRows(frame.timestamps, frame.columns, window, historyRows);
      historyRead = true;
    }
    if (selection.incompleteInWindow > 0) {
      this.log.debug('rows with missing values skipped', {
        project: model.project,
        model: model.name,
        skippedRows: selection.incompleteInWindow,
        window: formatRange(window),
      });
    }
    // In chunks, yielding to the loop: a long window of a wide model keeps the executor's deadlines running.
    const rows = await predictRowsYielding(
      trained.parameters,
      {
        columns: frame.columns,
        timestamps: frame.timestamps,
        rowIndices: selection.rowIndices,
        firstOutput: selection.firstInWindow,
        smoothing: settings.smoothing,
        threshold: settings.threshold,
        outputTags: targetPositions(model),
        ...(lowCoverage ? { rowDetails: { low_coverage: 1 } } : {}),
      },
      options?.signal,
    );
    return {
      project: model.project,
      model: model.name,
      revision: model.revision,
      window,
      tagNames: model.targetTags.map((tag) => tag.name),
      rows,
      counts: {
        incomplete_rows: selection.incompleteInWindow,
        ...(lowCoverage ? { low_coverage_windows: 1 } : {}),
        ...(historyRead ? { history_reads: 1 } : {}),
      },
    };
  }

  /**
   * The frame with the complete rows before it prepended, read from the sensor data provider over up to
   * HISTORY_LOOKBACK_FACTOR times the history's own span (at least HISTORY_LOOKBACK_MIN_MS). Data older than
   * that counts as a fresh start: lags repeat the first row and smoothing averages the rows there are.
   */
  private async withEarlierHistory(
    model: ModelDescription,
    data: SensorFrame,
    frame: { timestamps: Float64Array; columns: Float64Array[] },
    window: TimeRange,
    historyRows: number,
    signal: AbortSignal | undefined,
  ) {
    const before = Math.min(data.range.fromMs, window.fromMs);
    const lookbackMs = Math.max(HISTORY_LOOKBACK_MIN_MS, HISTORY_LOOKBACK_FACTOR * historyRows * model.resolutionMs);
    if (window.fromMs - lookbackMs >= before) return frame; // the frame already reaches back that far
    const earlier = await this.sensorData.getData(
      model.inputTags,
      { fromMs: window.fromMs - lookbackMs, toMs: before },
      model.resolutionMs,
      { rows: 'present', ...(signal === undefined ? {} : { signal }) },
    );
    const earlierColumns = inputColumns(model, earlier);
    const keep = earlier.timestamps.length === 0 ? 0 : firstAtOrAfter(earlier.timestamps, before);
    const join = (a: Float64Array, b: Float64Array) => {
      const joined = new Float64Array(keep + b.length);
      joined.set(a.subarray(0, keep));
      joined.set(b, keep);
      return joined;
    };
    return {
      timestamps: join(earlier.timestamps, frame.timestamps),
      columns: frame.columns.map((column, j) => join(earlierColumns[j]!, column)),
    };
  }

  /** The revision's trained model: from memory, else from the database, else trained now and stored. */
  private async trainedModel(
    model: ModelDescription,
    signal: AbortSignal | undefined,
    { retryUntrainable = false } = {},
  ): Promise<TrainedModel> {
    throwIfAborted(signal);
    const key = { project: model.project, name: model.name, revision: model.revision };
    let trained = this.cached(key);
    if (!trained) {
      const id = revisionKey(key);
      if (!retryUntrainable) this.throwIfUntrainable(id);
      let pending = this.training.get(id);
      if (!pending) {
        // Shared by every task waiting for this revision, so it runs without any one caller's signal;
        // each caller stops waiting when its own signal fires.
        pending = this.loadOrTrain(model, key).finally(() => this.training.delete(id));
        this.training.set(id, pending);
      }
      trained = await abandonOnAbort(pending, signal);
    }
    const expected = model.inputTags.map((tag) => tag.name);
    if (!sameNames(trained.tagNames, expected)) {
      throw new InvalidDataError(
        `${describeModel(model)} was trained on tags ${JSON.stringify(trained.tagNames)} but now lists ` +
          `${JSON.stringify(expected)}; a changed model needs a new revision`,
      );
    }
    return trained;
  }

  private async loadOrTrain(model: ModelDescription, key: RevisionKey): Promise<TrainedModel> {
    const id = revisionKey(key);
    try {
      const trained = (await this.store.load(key)) ?? (await this.train(model, key));
      this.remember(key, trained);
      this.failures.delete(id);
      this.untrainable.delete(id);
      return trained;
    } catch (err) {
      if (!isAbortError(err)) this.failures.set(id, describeError(err));
      if (isInsufficientDataError(err)) this.untrainable.set(id, { error: err, retryAtMs: this.clock() + this.untrainableRetryMs });
      throw err;
    }
  }

  /** Fails fast, with the cached error's message, while a revision that lacked training data waits for its retry. */
  private throwIfUntrainable(id: string): void {
    const failed = this.untrainable.get(id);
    if (failed === undefined) return;
    if (this.clock() >= failed.retryAtMs) {
      this.untrainable.delete(id);
      return;
    }
    throw new InsufficientDataError(`${failed.error.message} (cached; retried after ${new Date(failed.retryAtMs).toISOString()})`);
  }

  private async train(model: ModelDescription, key: RevisionKey): Promise<TrainedModel> {
    const started = performance.now();
    const settings = detectorSettings(model, this.config);
    const frame = await this.sensorData.getData(model.inputTags, model.trainingRange, model.resolutionMs, { rows: 'present' });
    const { columns, incomplete } = completeColumns(inputColumns(model, frame), frame.timestamps.length);
    const rows = columns[0]?.length ?? 0;
    if (rows < this.config.minTrainingRows) {
      throw new InsufficientDataError(
        `${describeModel(model)}: ${rows} complete training rows in ${formatRange(model.trainingRange)} ` +
          `(${incomplete} more with missing values), at least ${this.config.minTrainingRows} needed`,
      );
    }
    const constant = constantTags(model, columns);
    if (constant.length > 0) {
      throw new InsufficientDataError(
        `${describeModel(model)}: constant tags in the training range ${formatRange(model.trainingRange)}: ` +
          `${constant.map((t) => JSON.stringify(t)).join(', ')}; a tag that never varies carries no information, remove it`,
      );
    }
    const parameters = await fitDetectorOffLoop(columns, settings);
    const trainingMs = performance.now() - started;
    const stored = await this.store.insertIfAbsent(
      key,
      {
        tagNames: model.inputTags.map((tag) => tag.name),
        skippedRows: incomplete,
        parameters,
      },
      this.clock(),
      trainingMs,
    );
    this.log.info('model trained', {
      project: model.project,
      model: model.name,
      revision: model.revision,
      rows,
      skippedRows: incomplete,
      components: parameters.k,
      tags: model.inputTags.length,
      lags: parameters.lags ?? 0,
      limits: parameters.limitMethod ?? 'parametric',
      falseAlarmRate: parameters.calibration ? falseAlarmRate(parameters) : undefined,
      trainingMs: Math.round(trainingMs),
    });
    return stored;
  }

  private cached(key: RevisionKey): TrainedModel | undefined {
    return this.trained.get(modelKey(key))?.get(key.revision);
  }

  private remember(key: RevisionKey, trained: TrainedModel): void {
    const id = modelKey(key);
    let revisions = this.trained.get(id);
    if (!revisions) this.trained.set(id, (revisions = new Map<string, TrainedModel>()));
    revisions.set(key.revision, trained);
  }
}

/** The frame's columns in the model's input-tag order, matched by name (a frame may order them differently). */
function inputColumns(model: ModelDescription, frame: SensorFrame): Float64Array[] {
  const byName = new Map(frame.tags.map((tag, index) => [tag.name, index]));
  return model.inputTags.map((tag) => {
    const index = byName.get(tag.name);
    if (index === undefined)
      throw new InsufficientDataError(`${describeModel(model)}: no data column for input tag ${JSON.stringify(tag.name)}`);
    return frame.columns[index]!;
  });
}

/** Names of the input tags whose complete training rows all hold the same value. */
function constantTags(model: ModelDescription, columns: readonly Float64Array[]): string[] {
  return model.inputTags.filter((_, j) => columns[j]!.every((v) => v === columns[j]![0])).map((tag) => tag.name);
}

/** Positions of the target tags among the input tags: the model reconstructs its inputs, nothing else. */
function targetPositions(model: ModelDescription): number[] | undefined {
  const inputs = model.inputTags.map((tag) => tag.name);
  const targets = model.targetTags.map((tag) => tag.name);
  if (sameNames(inputs, targets)) return undefined;
  return targets.map((name) => {
    const position = inputs.indexOf(name);
    if (position < 0)
      throw new InvalidDataError(
        `${describeModel(model)}: target tag ${JSON.stringify(name)} is not an input tag; the PCA model predicts only its inputs`,
      );
    return position;
  });
}

/** A ready model's status, with what its calibration measured (shown by `latigo models list`). */
function readyStatus(revision: string, trained: TrainedModel): ModelStatus {
  const { parameters } = trained;
  const details: Record<string, number | string> = {
    lags: parameters.lags ?? 0,
    statistic: parameters.statistic ?? 'both',
    limits: parameters.limitMethod ?? 'parametric',
    confidence: parameters.confidence,
  };
  if (parameters.calibration) details['false_alarm_rate'] = falseAlarmRate(parameters);
  return { state: 'ready', revision, details };
}

/** The calibration's measured false-alarm rate of the limits the model uses. */
function falseAlarmRate(parameters: PcaParameters): number {
  const calibration = parameters.calibration!;
  return parameters.limitMethod === 'empirical' ? calibration.falseAlarmRate : calibration.parametricFalseAlarmRate;
}

/** Position of the first timestamp >= `timeMs` (timestamps ascend). */
function firstAtOrAfter(timestamps: Float64Array, timeMs: number): number {
  let low = 0;
  let high = timestamps.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (timestamps[middle]! < timeMs) low = middle + 1;
    else high = middle;
  }
  return low;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function modelKey(model: ModelRef): string {
  return JSON.stringify([model.project, model.name]);
}

function revisionKey(key: RevisionKey): string {
  return `${modelKey(key)}#${JSON.stringify(key.revision)}`;
}

function describeModel(model: ModelRef & { revision: string }): string {
  return `model ${model.project}/${model.name} revision ${model.revision}`;
}
