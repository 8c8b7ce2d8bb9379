import type { CallOptions } from '../contracts/CallOptions.js';
import type { ModelExecutionProvider, ModelStatus } from '../contracts/ModelExecutionProvider.js';
import type { ModelDescription, ModelRef } from '../domain/ModelDescription.js';
import type { PredictionSet } from '../domain/Prediction.js';
import type { FrameRows } from '../domain/resample.js';
import type { SensorFrame } from '../domain/SensorFrame.js';
import type { TimeRange } from '../domain/TimeRange.js';
import { DEFAULT_MODEL_KIND, MODEL_KINDS, modelKindOf } from '../domain/modelKinds/index.js';
import { InvalidDataError } from '../runtime/errors.js';

/**
 * The ModelExecutionProvider of a process: picks the provider of each model's kind (modelKindOf), so one
 * executor runs PCA, forecast and threshold models side by side. Calls that carry no description (status,
 * unregister) go to every provider that could know the model: status to the default kind's.
 */
export class ModelKindRouter implements ModelExecutionProvider {
  constructor(private readonly byKind: Readonly<Partial<Record<string, ModelExecutionProvider>>>) {}

  /** The provider of `model`'s kind; InvalidDataError (permanent) naming the kind when none serves it. */
  providerFor(model: ModelDescription): ModelExecutionProvider {
    const kind = modelKindOf(model);
    const provider = this.byKind[kind];
    if (provider === undefined) {
      const served = Object.keys(this.byKind).filter((k) => this.byKind[k] !== undefined);
      throw new InvalidDataError(
        `model ${model.project}/${model.name}: kind ${JSON.stringify(kind)} ${
          (MODEL_KINDS as readonly string[]).includes(kind) ? 'is not served by this process' : 'is unknown'
        } (served: ${served.join(', ')})`,
      );
    }
    return provider;
  }

  register(model: ModelDescription, options?: CallOptions): Promise<ModelStatus> {
    return this.providerFor(model).register(model, options);
  }

  async unregister(model: ModelRef, options?: CallOptions): Promise<void> {
    for (const provider of new Set(Object.values(this.byKind))) await provider?.unregister(model, options);
  }

  status(model: ModelRef & { revision?: string; kind?: string }, options?: CallOptions): Promise<ModelStatus> {
    const provider = this.byKind[model.kind ?? DEFAULT_MODEL_KIND] ?? this.byKind[DEFAULT_MODEL_KIND];
    return provider === undefined ? Promise.resolve({ state: 'not_registered' }) : provider.status(model, options);
  }

  requiredHistoryRows(model: ModelDescription): number {
    return this.providerFor(model).requiredHistoryRows?.(model) ?? 0;
  }

  frameRows(model: ModelDescription): FrameRows {
    return this.providerFor(model).frameRows?.(model) ?? 'all';
  }

  execute(model: ModelDescription, data: SensorFrame, window: TimeRange, options?: CallOptions): Promise<PredictionSet> {
    return this.providerFor(model).execute(model, data, window, options);
  }
}
