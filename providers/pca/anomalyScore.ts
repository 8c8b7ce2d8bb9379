import type { PcaStatistic } from './PcaParameters.js';

/**
 * The anomaly score of one row in multiples of its control limit(s): T̄²/T²_lim, Q̄/Q_lim, or the larger
 * of the two. A Q limit of 0 means the model has no residual space (a single tag): Q then never alarms.
 */
export function anomalyScore(statistic: PcaStatistic, t2: number, t2Limit: number, q: number, qLimit: number): number {
  const qRatio = qLimit > 0 ? q / qLimit : 0;
  if (statistic === 'q') return qRatio;
  const t2Ratio = t2 / t2Limit;
  return statistic === 't2' ? t2Ratio : Math.max(t2Ratio, qRatio);
}
