import type { ModelTrigger } from './ModelTrigger.js';
import type { SensorTag } from './SensorTag.js';
import type { TimeRange } from './TimeRange.js';

/** Identifies a model independent of its revision. */
export interface ModelRef {
  readonly project: string;
  readonly name: string;
}

/** A model as listed by a ModelInformationProvider: enough for the scheduler to plan windows. */
export interface ModelSummary extends ModelRef {
  /** The revision the provider serves now; the scheduler pins it on every task it creates. */
  readonly revision: string;
  /** When the model's windows run, when the catalogue defines it per model (embedded registry); absent:
   *  the scheduler section's clock. */
  readonly trigger?: ModelTrigger;
  /** The model's kind when the catalogue knows it from its listing (routes the task to an executor pool). */
  readonly kind?: string;
}

/** A model of a catalogue's current revision whether ready or not, for `latigo models list`. */
export interface ModelPhaseSummary extends ModelSummary {
  /** The catalogue's own word for the build state (Gordo CRDs: Unknown, InProgress, Failed, Succeeded). */
  readonly phase: string;
  /** Why it is not ready (a failed build's message), when the catalogue says. */
  readonly reason?: string;
}

/** Everything an executor needs to fetch a model's data and run it. */
export interface ModelDescription extends ModelSummary {
  readonly inputTags: readonly SensorTag[];
  /** Tags the model predicts; for an anomaly detector usually the same as the input tags. */
  readonly targetTags: readonly SensorTag[];
  /** Rows are resampled to this step (left-labelled buckets [t, t + resolution)). */
  readonly resolutionMs: number;
  readonly trainingRange: TimeRange;
  /** Rows of history the model consumes before the first row it predicts (0 for row-wise models). */
  readonly offsetRows?: number;
  /** Free-form, provider-specific settings (e.g. the embedded model's explained-variance share). */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

export function modelKey(model: ModelRef): string {
  return `${model.project}/${model.name}`;
}
