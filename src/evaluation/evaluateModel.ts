import type { PredictionReader } from '../contracts/PredictionReader.js';
import type { ModelRef } from '../domain/ModelDescription.js';
import type { TimeRange } from '../domain/TimeRange.js';
import { backtestThresholds, type Backtest } from './backtestThresholds.js';
import type { LabelStore, StoredLabel } from './LabelStore.js';
import { scoreFlags, type FlagScore, type LabelledInterval } from './scoreFlags.js';

export interface EvaluateModelOptions {
  /** The step of the model's rows (its resolution). */
  resolutionMs: number;
  /** Predictions in this range; default: all of them. */
  range?: TimeRange;
  /** Default: the revision of the newest prediction in the range. */
  revision?: string;
  graceMs?: number;
  minRun?: number;
  /** Intervals to score against besides the stored labels (e.g. from an imported label column). */
  extraLabels?: readonly LabelledInterval[];
}

/** What `GET .../evaluation` and `latigo evaluate` report: plain data, ready for JSON. */
export interface ModelEvaluation extends FlagScore {
  readonly project: string;
  readonly model: string;
  readonly revision: string | null;
  readonly range: TimeRange;
  readonly labels: readonly LabelledInterval[];
  readonly graceMs: number;
  readonly minRun: number;
  /** The stored flags' own threshold (the model's, when every row has the same). */
  readonly threshold: number | null;
  readonly backtest: Backtest;
}

const ALL_TIME: TimeRange = { fromMs: 0, toMs: 8_640_000_000_000_000 };

/**
 * Scores a model's stored predictions against its labels, and backtests thresholds over the same stored
 * scores. Reads through PredictionReader (any store that can read back), so nothing is re-run.
 */
export async function evaluateModel(
  reader: PredictionReader,
  labels: LabelStore,
  model: ModelRef,
  options: EvaluateModelOptions,
): Promise<ModelEvaluation> {
  const range = options.range ?? ALL_TIME;
  const [stored, labelsStored] = await Promise.all([
    reader.readPredictions(model, range, options.revision === undefined ? {} : { revision: options.revision }),
    labels.list(model),
  ]);
  const labelled: LabelledInterval[] = [...stored0(labelsStored), ...(options.extraLabels ?? [])];
  const rows = stored.rows;
  const times = rows.map((r) => r.timeMs);
  const scoring = { resolutionMs: options.resolutionMs, graceMs: options.graceMs ?? 0, minRun: options.minRun ?? 1 };
  const score = scoreFlags(
    times,
    rows.map((r) => r.isAnomaly),
    labelled,
    scoring,
  );
  const thresholds = new Set(rows.map((r) => r.threshold));
  return {
    project: model.project,
    model: model.name,
    revision: rows.length === 0 ? null : stored.revision,
    range,
    labels: labelled,
    graceMs: scoring.graceMs,
    minRun: scoring.minRun,
    threshold: thresholds.size === 1 ? [...thresholds][0]! : null,
    ...score,
    backtest: backtestThresholds(
      times,
      rows.map((r) => r.totalAnomaly),
      labelled,
      scoring,
    ),
  };
}

function stored0(labels: readonly StoredLabel[]): LabelledInterval[] {
  return labels.map((l) => ({ fromMs: l.fromMs, toMs: l.toMs, label: l.label }));
}
