import type { ServiceIdentifier } from 'inversify';
import type { ModelDescription, ModelRef } from '../domain/ModelDescription.js';
import type { PredictionSet } from '../domain/Prediction.js';
import type { FrameRows } from '../domain/resample.js';
import type { SensorFrame } from '../domain/SensorFrame.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { CallOptions } from './CallOptions.js';

export type ModelState = 'ready' | 'training' | 'not_registered' | 'failed';

export interface ModelStatus {
  readonly state: ModelState;
  /** The revision that would execute now, when there is one. */
  readonly revision?: string;
  /** Why the model is not ready, when it is not. */
  readonly reason?: string;
  /** Provider-specific facts about a ready model, e.g. the embedded model's measured `false_alarm_rate`. */
  readonly details?: Readonly<Record<string, number | string>>;
}

/** Runs models. A local provider trains and scores in process; a remote one calls an ML server. */
export interface ModelExecutionProvider {
  /** Makes the model executable (trains it, or checks the server has it). Idempotent. */
  register(model: ModelDescription, options?: CallOptions): Promise<ModelStatus>;
  /** Forgets the model's local state. Unknown models are ignored. */
  unregister(model: ModelRef, options?: CallOptions): Promise<void>;
  status(model: ModelRef & { revision?: string }, options?: CallOptions): Promise<ModelStatus>;
  /**
   * Rows of history before the window this provider needs to predict the window's first row (e.g. a
   * smoothing window), beyond the model's own `offsetRows`. The executor reads that much more data.
   * Omitted means 0.
   */
  requiredHistoryRows?(model: ModelDescription): number;
  /**
   * 'present' when `execute` needs only the buckets of the frame that hold a value (e.g. it skips
   * incomplete rows anyway), so the executor asks the sensor data provider for those alone; omitted means
   * 'all', every bucket of the padded window.
   */
  frameRows?(model: ModelDescription): FrameRows;
  /**
   * Predictions for the rows of `data` inside `window` (data may start earlier: models with
   * `offsetRows` need history). Throws InsufficientDataError when the data cannot support a
   * prediction, ProviderError for backend failures, NotFoundError when the revision is gone.
   */
  execute(model: ModelDescription, data: SensorFrame, window: TimeRange, options?: CallOptions): Promise<PredictionSet>;
}
export const ModelExecutionProvider: ServiceIdentifier<ModelExecutionProvider> = Symbol.for('latigo.ModelExecutionProvider');
