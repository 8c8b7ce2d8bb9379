import { parseEmbeddedPredictorConfig } from '../providers/pca/config.js';
import { evaluateVariant, type DetectionVariant, type LabelledSet, type VariantResult } from './detectionEvaluation.js';
import { autocorrelatedSet, demoPlantSet } from './detectionSets.js';
import { meetsTarget, report } from './report.js';

const SUITE = 'detection';
/** Rows per scoring window: a 30-minute window at the demo's 10 s, like the demo schedule. */
const WINDOW_ROWS = 180;
/**
 * Demo plants (seeds 42, 43, ...; bench/detectionSets.ts) whose test days the false-alarm rate is averaged
 * over. One test day of 4 assets says little about that rate: the plant's T² alarms come in runs of many
 * rows (its slow load and ambient waves), and over 15 such days (8 end dates, 8 seeds) the defaults
 * flagged 0.62-1.95 % of normal rows, mean 1.09 %, per asset 0.22-2.65 %; seed 42 at the demo's end date
 * was the lowest of them.
 */
const DEMO_PLANTS = 8;
/** The "within 30 % of the nominal", read both ways. */
const TWO_SIDED_TARGET = '0.7..1.3';

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

type SetResults = Map<string, VariantResult>;

/**
 * `npm run bench -- detection`: point-wise precision, recall and F1, event-wise recall, the false-alarm rate
 * on fault-free stretches and scoring speed of the default, static and dynamic PCA on the demo plant with its
 * injected faults, then on a seeded autocorrelated plant (bench/detectionSets.ts). The demo's false-alarm
 * ratios are means over DEMO_PLANTS demo plants (the first is the demo itself), with their range; its
 * precision, recall and F1 are the demo's own. Only scoring is timed.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- every benchmark has the async signature run.ts awaits; this one only computes
export async function detection(_dir: string, scale: number): Promise<void> {
  const demo = evaluateSet(demoPlantSet(scale), scale);
  const plants = Math.max(2, Math.round(DEMO_PLANTS * scale));
  const others: SetResults[] = [];
  for (let draw = 1; draw < plants; draw++) others.push(evaluateSet(demoPlantSet(scale, draw), scale, { quiet: true }));
  reportComparison('demo', demo, others, scale);
  reportComparison('autocorrelated', evaluateSet(autocorrelatedSet(scale), scale), [], scale);
}

/** Every variant on `set`; unless quiet, its figures are reported one by one. */
function evaluateSet(set: LabelledSet, scale: number, options: { quiet?: boolean } = {}): SetResults {
  const nominal = 1 - parseEmbeddedPredictorConfig({}, 'predictor').confidence;
  const results: SetResults = new Map();
  for (const variant of variants()) {
    const result = evaluateVariant(set, variant, WINDOW_ROWS);
    results.set(variant.name, result);
    const extra = { dataset: set.name, variant: variant.name, lags: result.lags, scale };
    process.stderr.write(
      `${set.name} ${variant.name}: precision ${result.precision.toFixed(3)} recall ${result.recall.toFixed(3)} ` +
        `F1 ${result.f1.toFixed(3)} event recall ${result.eventRecall.toFixed(2)} false alarms ${(100 * result.falseAlarmRate).toFixed(2)} % ` +
        `(calibration said ${(100 * result.calibratedFalseAlarmRate).toFixed(2)} %) lags ${result.lags}\n`,
    );
    if (options.quiet) continue;
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
  return results;
}

/**
 * The F1 gains over static PCA and the false-alarm ratios of `main` (the data set the issue names), each
 * with its mean and range over `main` and `others` (more plants like it) when there are others. The
 * false-alarm ratios' value is that mean: the rate is a long-run promise, and one set may be a lucky day.
 */
function reportComparison(dataset: string, main: SetResults, others: readonly SetResults[], scale: number): void {
  const nominal = 1 - parseEmbeddedPredictorConfig({}, 'predictor').confidence;
  const all = [main, ...others];
  const fixed = { dataset, scale };
  const staticF1 = main.get('static')!.f1;
  for (const name of ['dynamic', 'defaults']) {
    const gains = all.map((results) => results.get(name)!.f1 - results.get('static')!.f1);
    const spread = overPlants(gains);
    if (others.length > 0) {
      process.stderr.write(
        `${dataset} ${name} F1 gain vs static over ${gains.length} plants: mean ${spread.mean_over_plants} ` +
          `(${spread.min_over_plants} .. ${spread.max_over_plants})\n`,
      );
    }
    report({
      suite: SUITE,
      metric: `f1_gain_${name}_vs_static`,
      value: gains[0]!,
      unit: 'ratio',
      baseline: 'static PCA, parametric limits',
      baseline_value: staticF1,
      ...(name === 'dynamic' ? { target: '>=0.05' } : {}),
      ...fixed,
      ...spread,
    });
  }
  for (const name of ['defaults', 'dynamic', 'static']) {
    const ratios = all.map((results) => results.get(name)!.falseAlarmRate / nominal);
    const mean = ratios.reduce((sum, r) => sum + r, 0) / ratios.length;
    if (others.length > 0) {
      process.stderr.write(
        `${dataset} ${name} over ${ratios.length} plants: false alarms ${(100 * nominal * mean).toFixed(2)} % ` +
          `(${(100 * nominal * Math.min(...ratios)).toFixed(2)}-${(100 * nominal * Math.max(...ratios)).toFixed(2)} %)\n`,
      );
    }
    report({
      suite: SUITE,
      metric: name === 'defaults' ? 'false_alarm_ratio_vs_nominal' : `false_alarm_ratio_vs_nominal_${name}`,
      value: mean,
      unit: 'ratio',
      baseline: `1 - confidence = ${nominal}`,
      target: '<=1.3',
      target_two_sided: TWO_SIDED_TARGET,
      meets_two_sided: meetsTarget(mean, TWO_SIDED_TARGET),
      ...fixed,
      ...overPlants(ratios),
    });
  }
}

/** Mean and range of a figure over the plants, and the first plant's own value; nothing for one plant. */
function overPlants(values: readonly number[]): Record<string, number> {
  if (values.length < 2) return {};
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    plants: values.length,
    first_plant_value: round(values[0]!),
    mean_over_plants: round(values.reduce((sum, v) => sum + v, 0) / values.length),
    min_over_plants: round(Math.min(...values)),
    max_over_plants: round(Math.max(...values)),
  };
}
