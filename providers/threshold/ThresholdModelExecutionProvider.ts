import type { CallOptions } from '../../src/contracts/CallOptions.js';
import type { ModelExecutionProvider, ModelStatus } from '../../src/contracts/ModelExecutionProvider.js';
import type { ModelDescription, ModelRef } from '../../src/domain/ModelDescription.js';
import type { PredictionRow, PredictionSet } from '../../src/domain/Prediction.js';
import type { SensorFrame } from '../../src/domain/SensorFrame.js';
import type { TimeRange } from '../../src/domain/TimeRange.js';
import {
  describeParameterIssues,
  thresholdParametersSchema,
  checkWithSchema,
  type ThresholdParameters,
} from '../../src/domain/modelKinds/index.js';
import { InvalidDataError, InsufficientDataError, throwIfAborted } from '../../src/runtime/errors.js';
import { evaluateRule, historyRows } from './evaluateRules.js';

/** Rows before a window whose verdicts set the hysteresis state at the window's start. */
export const HYSTERESIS_LOOKBACK_ROWS = 60;

/**
 * The `threshold` kind: static rules per tag. Nothing to train. Each row's score is the number of rules whose
 * alarm is on (threshold 0.5, so any alarm makes the row anomalous, feeding the same episodes as the
 * detectors); a tag's contribution is how far past its rules' limits it is.
 */
export class ThresholdModelExecutionProvider implements ModelExecutionProvider {
  register(model: ModelDescription): Promise<ModelStatus> {
    parameters(model);
    return Promise.resolve({ state: 'ready', revision: model.revision });
  }

  unregister(_model: ModelRef): Promise<void> {
    return Promise.resolve();
  }

  status(model: ModelRef & { revision?: string }): Promise<ModelStatus> {
    return Promise.resolve({ state: 'ready', ...(model.revision === undefined ? {} : { revision: model.revision }) });
  }

  requiredHistoryRows(model: ModelDescription): number {
    return historyRows(parameters(model).rules, HYSTERESIS_LOOKBACK_ROWS);
  }

  async execute(model: ModelDescription, data: SensorFrame, window: TimeRange, options?: CallOptions): Promise<PredictionSet> {
    await Promise.resolve(); // errors below reject the promise instead of throwing at the call
    throwIfAborted(options?.signal);
    const { rules } = parameters(model);
    const tagNames = model.targetTags.map((t) => t.name);
    const column = (tag: string) => {
      const i = data.tags.findIndex((t) => t.name === tag);
      if (i < 0) throw new InvalidDataError(`model ${model.project}/${model.name}: rule tag ${tag} is not an input tag`);
      return data.columns[i]!;
    };
    // Start at a fixed offset before the window, so the verdicts do not depend on how much padding came.
    const first = Math.max(0, firstIndexAtOrAfter(data.timestamps, window.fromMs) - historyRows(rules, HYSTERESIS_LOOKBACK_ROWS));
    const times = data.timestamps.subarray(first);
    const traces = rules.map((rule) => ({ rule, trace: evaluateRule(rule, column(rule.tag).subarray(first), times) }));
    const rows: PredictionRow[] = [];
    for (let i = 0; i < times.length; i++) {
      const t = times[i]!;
      if (t < window.fromMs || t >= window.toMs) continue;
      const contributions = tagNames.map(() => 0);
      let activeRules = 0;
      for (const { rule, trace } of traces) {
        if (trace.active[i] === 1) activeRules++;
        const k = tagNames.indexOf(rule.tag);
        if (k >= 0) contributions[k]! += trace.excess[i]! + (trace.active[i] === 1 && rule.type === 'stuck' ? 1 : 0);
      }
      rows.push({
        timeMs: t,
        outputs: tagNames.map((tag) => column(tag).subarray(first)[i]!),
        contributions,
        totalAnomaly: activeRules,
        threshold: 0.5,
        isAnomaly: activeRules > 0,
        details: { rules_active: activeRules },
      });
    }
    if (rows.length === 0) throw new InsufficientDataError(`model ${model.project}/${model.name}: no rows in the window`);
    return { project: model.project, model: model.name, revision: model.revision, window, tagNames, rows };
  }
}

function parameters(model: ModelDescription): ThresholdParameters {
  const check = checkWithSchema(thresholdParametersSchema, model.parameters);
  if (!check.ok) throw new InvalidDataError(`model ${model.project}/${model.name}: ${describeParameterIssues(check.issues)}`);
  return check.parameters;
}

function firstIndexAtOrAfter(times: Float64Array, t: number): number {
  let i = 0;
  while (i < times.length && times[i]! < t) i++;
  return i;
}
