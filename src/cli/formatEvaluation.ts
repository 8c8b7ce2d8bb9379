import type { ForecastEvaluation } from '../evaluation/evaluateForecasts.js';
import type { ModelEvaluation } from '../evaluation/evaluateModel.js';
import type { PredictionSummary } from '../summary/combineSummary.js';

/** `latigo evaluate`'s table. */
export function formatEvaluation(e: ModelEvaluation): string {
  const p = e.pointwise;
  const best = e.backtest.best;
  const lines = [
    `Evaluation of ${e.project}/${e.model} revision ${e.revision ?? '(no predictions)'}`,
    `  timestamps scored  ${e.rows}, flagged ${e.flagged}, labelled intervals ${e.events.total}`,
    `  point-wise         precision ${ratio(p.precision)}  recall ${ratio(p.recall)}  F1 ${ratio(p.f1)}`,
    `  events             ${e.events.detected} of ${e.events.total} detected` +
      (e.events.meanTimeToDetectMs === null ? '' : `, mean time to detect ${seconds(e.events.meanTimeToDetectMs)}`),
    `  false alarms       ${e.falseAlarms} (${e.falseAlarmsPerDay === null ? 'n/a' : e.falseAlarmsPerDay.toFixed(2)} per day)`,
    best === null
      ? '  backtest           no threshold gives an F1 (no labels or no scores)'
      : `  backtest           best F1 ${ratio(best.f1)} at threshold ${best.threshold.toPrecision(6)} ` +
        `(precision ${ratio(best.precision)}, recall ${ratio(best.recall)}, ${best.eventsDetected} events) over ${e.backtest.sweep.length} thresholds`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `latigo evaluate`'s table for a forecast model. */
export function formatForecastEvaluation(e: ForecastEvaluation): string {
  const number = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : 'n/a');
  const lines = [
    `Forecast evaluation of ${e.project}/${e.model}: ${e.forecasts} forecasts, ${e.points} target points with actuals`,
    `  MAE ${number(e.mae)}  RMSE ${number(e.rmse)}  MASE ${number(e.mase)} (against the seasonal naive forecast, season ${e.seasonMs / 1000} s)`,
    `  interval coverage ${ratio(Number.isFinite(e.coverage) ? e.coverage : null)} (nominal ${e.nominalCoverage === null ? 'n/a' : ratio(e.nominalCoverage)})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `latigo models summary`'s table. */
export function formatSummary(
  s: PredictionSummary & { project: string; model: string; revision: string; windowsByOutcome: Record<string, number> },
): string {
  const outcomes = Object.entries(s.windowsByOutcome)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
  const q = s.scoreQuantiles;
  const lines = [
    `Summary of ${s.project}/${s.model} revision ${s.revision}`,
    `  windows            ${outcomes || 'none'} (${s.windowsStored} stored)`,
    `  rows               ${s.rows}, coverage ${ratio(s.coverage)}`,
    `  anomalies          ${s.anomalies} (rate ${ratio(s.anomalyRate)}), ${s.episodes} episode(s)`,
    `  score quantiles    p50 ${num(q.p50)}  p90 ${num(q.p90)}  p99 ${num(q.p99)}  max ${num(q.max)} (multiples of the threshold)`,
    '  tag                coverage  contribution',
    ...s.tags.map((t) => `  ${t.tag.padEnd(18)} ${t.coverage.toFixed(2).padStart(8)}  ${t.contributionShare.toFixed(3).padStart(12)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function ratio(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(3);
}
function num(v: number | null): string {
  return v === null ? 'n/a' : String(v);
}
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(0)} s`;
}
