import type { ServiceIdentifier } from 'inversify';
import type { ModelRef, ModelSummary } from '../domain/ModelDescription.js';
import type { ModelTrigger } from '../domain/ModelTrigger.js';
import type { TimeRange } from '../domain/TimeRange.js';
import type { CallOptions } from './CallOptions.js';

/** A model as a user defines it. Tags are sensor names. */
export interface ModelDefinition {
  project: string;
  name: string;
  inputTags: string[];
  /** Defaults to `inputTags`. */
  targetTags?: string[];
  resolutionMs: number;
  trainingRange: TimeRange;
  /** The model kind (src/domain/modelKinds); omitted means `pca_anomaly`. */
  kind?: string;
  /** Settings for the model execution provider, e.g. `{ explained_variance: 0.9 }`. */
  parameters?: Record<string, unknown>;
  /** When its windows run; absent: the scheduler section's clock. */
  trigger?: ModelTrigger;
  /** How the training range was asked for, when it was derived from the data (shown back to the user). */
  trainingSpec?: { firstRows?: number; firstHours?: number };
}

/**
 * Optional capability of a model catalogue that accepts definitions (the embedded registry). A changed
 * definition is a new revision; saving an unchanged one keeps its revision. Looked up by token.
 */
export interface ModelWriter {
  saveModels(definitions: readonly ModelDefinition[], options?: CallOptions): Promise<ModelSummary[]>;
  /** Removes the model (all revisions stop being served); resolves false when it did not exist. */
  deleteModel(model: ModelRef, options?: CallOptions): Promise<boolean>;
}
export const ModelWriter: ServiceIdentifier<ModelWriter> = Symbol.for('latigo.ModelWriter');
