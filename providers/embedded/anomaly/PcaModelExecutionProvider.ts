import { performance } from 'node:perf_hooks';
import type { CallOptions } from '../../../src/contracts/CallOptions.js';
import type { ModelExecutionProvider, ModelStatus } from '../../../src/contracts/ModelExecutionProvider.js';
import type { SensorDataProvider } from '../../../src/contracts/SensorDataProvider.js';
import type { ModelDescription, ModelRef } from '../../../src/domain/ModelDescription.js';
import type { PredictionSet } from '../../../src/domain/Prediction.js';
import { bucketStarts, type SensorFrame } from '../../../src/domain/SensorFrame.js';
import { formatRange, type TimeRange } from '../../../src/domain/TimeRange.js';
import type { Database } from '../../../src/persistence/dataSource.js';
import { systemClock, type Clock } from '../../../src/runtime/clock.js';
import { abortError, describeError, InsufficientDataError, InvalidDataError, isAbortError, throwIfAborted } from '../../../src/runtime/errors.js';
import type { Logger } from '../../../src/runtime/logger.js';
import type { EmbeddedPredictorConfig } from '../config.js';
import { fitPca } from './fitPca.js';
import { modelSettings } from './modelSettings.js';
import { ModelRevisionStore, type RevisionKey, type TrainedModel } from './ModelRevisionStore.js';
import { predictRows } from './predictRows.js';
import { completeColumns, selectRows } from './selectRows.js';

/**
 * How long a revision whose training found too little data is left alone. Training reads the whole training
 * range; without this every task of an untrainable model (one per window) would read it again. Ten minutes
 * spans a typical scheduler interval, so a model whose sensors start reporting is retried within a cycle or so.
 */
export const UNTRAINABLE_RETRY_MS = 10 * 60_000;

export interface PcaModelExecutionOptions {
  clock?: Clock;
  /** Defaults to UNTRAINABLE_RETRY_MS. */
  untrainableRetryMs?: number;
}

/**
 * The local PCA anomaly model (see README.md in this folder). A revision is trained on first use (or by
 * `register`) from its training range, stored once in `model_revision`, and kept in memory afterwards,
 * so a task on a trained model costs no database statement here. A revision whose training data is
 * insufficient fails its tasks fast for UNTRAINABLE_RETRY_MS before `execute` tries training again;
 * `register` always tries.
 */
export class PcaModelExecutionProvider implements ModelExecutionProvider {
  private readonly store: ModelRevisionStore;
  /** Trained models by model key, then revision. */
  private readonly trained = new Map<string, Map<string, TrainedModel>>();
  /** Trainings in progress: concurrent tasks of one untrained revision share one training. */
  private readonly training = new Map<string, Promise<TrainedModel>>();
  /** Why the last training of a revision failed in this process, for `status`. */
  private readonly failures = new Map<string, string>();
  /** Revisions whose training found too little data, with that error and when execute may try again. */
  private readonly untrainable = new Map<string, { error: InsufficientDataError; retryAtMs: number }>();
  private readonly clock: Clock;
  private readonly untrainableRetryMs: number;

  constructor(db: Database, private readonly sensorData: SensorDataProvider, private readonly config: EmbeddedPredictorConfig,
              private readonly log: Logger, options: PcaModelExecutionOptions = {}) {
    this.store = new ModelRevisionStore(db);
    this.clock = options.clock ?? systemClock;
    this.untrainableRetryMs = options.untrainableRetryMs ?? UNTRAINABLE_RETRY_MS;
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
    const revision = model.revision ?? await this.store.latestRevision(model);
    if (revision === undefined) return { state: 'not_registered' };
    const key = { project: model.project, name: model.name, revision };
    if (this.cached(key)) return { state: 'ready', revision };
    if (this.training.has(revisionKey(key))) return { state: 'training', revision };
    if (await this.store.load(key)) return { state: 'ready', revision };
    const reason = this.failures.get(revisionKey(key));
    return reason === undefined ? { state: 'not_registered', revision } : { state: 'failed', revision, reason };
  }

  /** The trailing smoothing window reaches back `smoothing_window - 1` rows before the window's first row. */
  requiredHistoryRows(model: ModelDescription): number {
    return modelSettings(model, this.config).smoothingWindow - 1;
  }

  async execute(model: ModelDescription, data: SensorFrame, window: TimeRange, options?: CallOptions): Promise<PredictionSet> {
    const trained = await this.trainedModel(model, options?.signal);
    throwIfAborted(options?.signal);
    const settings = modelSettings(model, this.config);
    const columns = inputColumns(model, data);
    const selection = selectRows(data.timestamps, columns, window, settings.smoothingWindow - 1);
    const expected = bucketStarts(window, model.resolutionMs).length;
    const needed = Math.max(1, Math.ceil(this.config.minWindowCoverage * expected));
    if (selection.completeInWindow < needed) {
      throw new InsufficientDataError(`${describeModel(model)}: ${selection.completeInWindow} of ${expected} rows in `
        + `${formatRange(window)} have a value for every input tag, at least ${needed} needed`);
    }
    if (selection.incompleteInWindow > 0) {
      this.log.debug('rows with missing values skipped', {
        project: model.project, model: model.name, skippedRows: selection.incompleteInWindow, window: formatRange(window),
      });
    }
    const rows = predictRows(trained.parameters, {
      columns, timestamps: data.timestamps, rowIndices: selection.rowIndices, firstOutput: selection.firstInWindow,
      smoothingWindow: settings.smoothingWindow, outputTags: targetPositions(model),
    });
    return {
      project: model.project, model: model.name, revision: model.revision, window,
      tagNames: model.targetTags.map((tag) => tag.name), rows,
      counts: { incomplete_rows: selection.incompleteInWindow },
    };
  }

  /** The revision's trained model: from memory, else from the database, else trained now and stored. */
  private async trainedModel(model: ModelDescription, signal: AbortSignal | undefined,
                             { retryUntrainable = false } = {}): Promise<TrainedModel> {
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
      trained = await untilAborted(pending, signal);
    }
    const expected = model.inputTags.map((tag) => tag.name);
    if (!sameNames(trained.tagNames, expected)) {
      throw new InvalidDataError(`${describeModel(model)} was trained on tags ${JSON.stringify(trained.tagNames)} but now lists `
        + `${JSON.stringify(expected)}; a changed model needs a new revision`);
    }
    return trained;
  }

  private async loadOrTrain(model: ModelDescription, key: RevisionKey): Promise<TrainedModel> {
    const id = revisionKey(key);
    try {
      const trained = (await this.store.load(key)) ?? await this.train(model, key);
      this.remember(key, trained);
      this.failures.delete(id);
      this.untrainable.delete(id);
      return trained;
    } catch (err) {
      if (!isAbortError(err)) this.failures.set(id, describeError(err));
      if (err instanceof InsufficientDataError) this.untrainable.set(id, { error: err, retryAtMs: this.clock() + this.untrainableRetryMs });
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
    const settings = modelSettings(model, this.config);
    const frame = await this.sensorData.getData(model.inputTags, model.trainingRange, model.resolutionMs);
    const { columns, incomplete } = completeColumns(inputColumns(model, frame), frame.timestamps.length);
    const rows = columns[0]?.length ?? 0;
    if (rows < this.config.minTrainingRows) {
      throw new InsufficientDataError(`${describeModel(model)}: ${rows} complete training rows in ${formatRange(model.trainingRange)} `
        + `(${incomplete} more with missing values), at least ${this.config.minTrainingRows} needed`);
    }
    const parameters = fitPca(columns, settings);
    const trainingMs = performance.now() - started;
    const stored = await this.store.insertIfAbsent(key, {
      tagNames: model.inputTags.map((tag) => tag.name), skippedRows: incomplete, parameters,
    }, this.clock(), trainingMs);
    this.log.info('model trained', {
      project: model.project, model: model.name, revision: model.revision, rows, skippedRows: incomplete,
      components: parameters.k, tags: parameters.means.length, trainingMs: Math.round(trainingMs),
    });
    return stored;
  }

  private cached(key: RevisionKey): TrainedModel | undefined {
    return this.trained.get(modelKey(key))?.get(key.revision);
  }

  private remember(key: RevisionKey, trained: TrainedModel): void {
    let revisions = this.trained.get(modelKey(key));
    if (!revisions) this.trained.set(modelKey(key), revisions = new Map());
    revisions.set(key.revision, trained);
  }
}

/** The frame's columns in the model's input-tag order, matched by name (a frame may order them differently). */
function inputColumns(model: ModelDescription, frame: SensorFrame): Float64Array[] {
  const byName = new Map(frame.tags.map((tag, index) => [tag.name, index]));
  return model.inputTags.map((tag) => {
    const index = byName.get(tag.name);
    if (index === undefined) throw new InsufficientDataError(`${describeModel(model)}: no data column for input tag ${JSON.stringify(tag.name)}`);
    return frame.columns[index]!;
  });
}

/** Positions of the target tags among the input tags: the model reconstructs its inputs, nothing else. */
function targetPositions(model: ModelDescription): number[] | undefined {
  const inputs = model.inputTags.map((tag) => tag.name);
  const targets = model.targetTags.map((tag) => tag.name);
  if (sameNames(inputs, targets)) return undefined;
  return targets.map((name) => {
    const position = inputs.indexOf(name);
    if (position < 0) throw new InvalidDataError(`${describeModel(model)}: target tag ${JSON.stringify(name)} is not an input tag; the PCA model predicts only its inputs`);
    return position;
  });
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
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
