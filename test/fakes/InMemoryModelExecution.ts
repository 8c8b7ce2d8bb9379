import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { ModelExecutionProvider, ModelStatus } from '../../src/contracts/ModelExecutionProvider.js';
import type { ModelDescription, ModelRef } from '../../src/domain/ModelDescription.js';
import type { PredictionRow, PredictionSet } from '../../src/domain/Prediction.js';
import type { SensorFrame } from '../../src/domain/SensorFrame.js';
import { rangeContains, type TimeRange } from '../../src/domain/TimeRange.js';
import { InsufficientDataError } from '../../src/runtime/errors.js';

export interface InMemoryModelExecutionOptions {
  /** Score above which a row is anomalous (default 1). */
  threshold?: number;
  /** Rows in the window with every input finite needed to predict (default 1); fewer throws InsufficientDataError. */
  minCompleteRows?: number;
}

/**
 * A trivial "model": it reproduces each target tag's value as its output and scores a row by the spread
 * of its inputs around their mean. Enough to drive the executor end to end without training anything.
 */
export class InMemoryModelExecution implements ModelExecutionProvider {
  readonly executeCalls: { model: ModelDescription; frame: SensorFrame; window: TimeRange }[] = [];
  private readonly registered = new Set<string>();
  private readonly threshold: number;
  private readonly minCompleteRows: number;

  constructor(options: InMemoryModelExecutionOptions = {}) {
    this.threshold = options.threshold ?? 1;
    this.minCompleteRows = options.minCompleteRows ?? 1;
  }

  async register(model: ModelDescription, _options?: CallOptions): Promise<ModelStatus> {
    this.registered.add(key(model, model.revision));
    return { state: 'ready', revision: model.revision };
  }

  async unregister(model: ModelRef, _options?: CallOptions): Promise<void> {
    for (const k of this.registered) if (k.startsWith(`${model.project}/${model.name}@`)) this.registered.delete(k);
  }

  async status(model: ModelRef & { revision?: string }, _options?: CallOptions): Promise<ModelStatus> {
    const found = [...this.registered].find((k) => k.startsWith(`${model.project}/${model.name}@${model.revision ?? ''}`));
    return found ? { state: 'ready', revision: found.split('@')[1]! } : { state: 'not_registered' };
  }

  async execute(model: ModelDescription, data: SensorFrame, window: TimeRange, options?: CallOptions): Promise<PredictionSet> {
    options?.signal?.throwIfAborted();
    this.executeCalls.push({ model, frame: data, window });
    const targetColumns = model.targetTags.map((tag) => data.tags.findIndex((t) => t.name === tag.name));
    const rows: PredictionRow[] = [];
    for (let j = 0; j < data.timestamps.length; j++) {
      const timeMs = data.timestamps[j]!;
      if (!rangeContains(window, timeMs)) continue;
      const inputs = data.columns.map((c) => c[j]!);
      if (!inputs.every(Number.isFinite)) continue;
      const mean = inputs.reduce((a, b) => a + b, 0) / inputs.length;
      const contributions = targetColumns.map((i) => (i < 0 ? 0 : (data.columns[i]![j]! - mean) ** 2));
      const totalAnomaly = Math.sqrt(contributions.reduce((a, b) => a + b, 0));
      rows.push({
        timeMs,
        contributions,
        totalAnomaly,
        threshold: this.threshold,
        isAnomaly: totalAnomaly > this.threshold,
        outputs: targetColumns.map((i) => (i < 0 ? Number.NaN : data.columns[i]![j]!)),
      });
    }
    if (rows.length < this.minCompleteRows) {
      throw new InsufficientDataError(`${rows.length} complete rows in the window, ${this.minCompleteRows} needed`);
    }
    return {
      project: model.project,
      model: model.name,
      revision: model.revision,
      window,
      tagNames: model.targetTags.map((t) => t.name),
      rows,
    };
  }
}

function key(model: ModelRef, revision: string): string {
  return `${model.project}/${model.name}@${revision}`;
}
