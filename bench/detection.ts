import { parseEmbeddedPredictorConfig } from '../providers/pca/config.js';
import { evaluateVariant, type DetectionVariant, type VariantResult } from './detectionEvaluation.js';
import { autocorrelatedSet, demoPlantSet } from './detectionSets.js';
import { report } from './report.js';

const SUITE = 'detection';
/** Rows per scoring window: a 30-minute window at the demo's 10 s, like the demo schedule. */
const WINDOW_ROWS = 180;

/** The three variants the issue compares, on the same data in the same run. */
function variants(): DetectionVariant[] {
  const defaults = parseEmbeddedPredictorConfig({}, 'predictor');
  const smoothing = { method: defaults.smoothingMethod, rows: defaults.smoothingWindow };
  const common = { explainedVariance: defaults.explainedVariance, confidence: defaults.confidence };
  return [
    { name: 'defaults', ...common, lags: defaults.lags, statistic: defaults.statistic, limitMethod: defaults.limitMethod, smoothing },
    // The model before dynamic PCA: no lags, F / Jackson–Mudholkar limits, both statistics, no smoothing.
    { name: 'static', ...common, lags: 0, statistic: 'both', limitMethod: 'parametric', smoothing: { method: 'mean', rows: 1 } },
    { name: 'dynamic', ...common, lags: 'auto', statistic: 'both', limitMethod: 'empirical', smoothing: { method: 'mean', rows: 1 } },
  ];
}

/**
 * `npm run bench -- detection`: point-wise precision, recall and F1, event-wise recall, the false-alarm rate
 * on fault-free stretches and scoring speed of the default, static and dynamic PCA on the demo plant with its
 * injected faults, then on a seeded autocorrelated plant (bench/detectionSets.ts). Only scoring is timed.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- every benchmark has the async signature run.ts awaits; this one only computes
export async function detection(_dir: string, scale: number): Promise<void> {
  const nominal = 1 - parseEmbeddedPredictorConfig({}, 'predictor').confidence;
  for (const set of [demoPlantSet(scale), autocorrelatedSet(scale)]) {
    const results = new Map<string, VariantResult>();
    for (const variant of variants()) {
      const result = evaluateVariant(set, variant, WINDOW_ROWS);
      results.set(variant.name, result);
      const extra = { dataset: set.name, variant: variant.name, lags: result.lags, scale };
      process.stderr.write(
        `${set.name} ${variant.name}: precision ${result.precision.toFixed(3)} recall ${result.recall.toFixed(3)} ` +
          `F1 ${result.f1.toFixed(3)} event recall ${result.eventRecall.toFixed(2)} false alarms ${(100 * result.falseAlarmRate).toFixed(2)} % ` +
          `(calibration said ${(100 * result.calibratedFalseAlarmRate).toFixed(2)} %) lags ${result.lags}\n`,
      );
      report({ suite: SUITE, metric: `precision_${variant.name}`, value: result.precision, unit: 'ratio', ...extra });
      report({ suite: SUITE, metric: `recall_${variant.name}`, value: result.recall, unit: 'ratio', ...extra });
      report({ suite: SUITE, metric: `f1_${variant.name}`, value: result.f1, unit: 'ratio', ...extra });
      report({ suite: SUITE, metric: `event_recall_${variant.name}`, value: result.eventRecall, unit: 'ratio', ...extra });
      report({ suite: SUITE, metric: `false_alarm_rate_${variant.name}`, value: result.falseAlarmRate, unit: 'ratio', nominal, ...extra });
      report({
        suite: SUITE,
        metric: 'rows_per_second',
        value: result.rowsPerSecond,
        unit: 'rows/s',
        timed: 'predictRows over 180-row windows',
        ...extra,
      });
    }
    const fixed = { dataset: set.name, scale };
    const staticF1 = results.get('static')!.f1;
    report({
      suite: SUITE,
      metric: 'f1_gain_dynamic_vs_static',
      value: results.get('dynamic')!.f1 - staticF1,
      unit: 'ratio',
      baseline: 'static PCA, parametric limits',
      baseline_value: staticF1,
      target: '>=0.05',
      ...fixed,
    });
    report({
      suite: SUITE,
      metric: 'f1_gain_defaults_vs_static',
      value: results.get('defaults')!.f1 - staticF1,
      unit: 'ratio',
      baseline: 'static PCA, parametric limits',
      baseline_value: staticF1,
      ...fixed,
    });
    for (const name of ['defaults', 'dynamic', 'static']) {
      report({
        suite: SUITE,
        metric: name === 'defaults' ? 'false_alarm_ratio_vs_nominal' : `false_alarm_ratio_vs_nominal_${name}`,
        value: results.get(name)!.falseAlarmRate / nominal,
        unit: 'ratio',
        baseline: `1 - confidence = ${nominal}`,
        target: '<=1.3',
        ...fixed,
      });
    }
  }
}
