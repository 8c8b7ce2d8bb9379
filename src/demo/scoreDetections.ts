import { scoreFlags } from '../evaluation/scoreFlags.js';
import { FAULT_KINDS, type FaultKind } from './faults.js';

/** A ground-truth interval [fromMs, toMs) on one asset. */
export interface FaultInterval {
  readonly asset: string;
  readonly kind: FaultKind;
  readonly fromMs: number;
  readonly toMs: number;
}

/** Timestamps the model of `asset` flagged as anomalous. */
export interface AssetAnomalies {
  readonly asset: string;
  readonly timesMs: readonly number[];
}

export interface KindScore {
  total: number;
  found: number;
}

export interface DetectionScore {
  readonly faultsTotal: number;
  readonly faultsFound: number;
  readonly anomalies: number;
  /** Anomalous timestamps inside a fault interval (plus grace) of their own asset. */
  readonly anomaliesInFaults: number;
  /** faultsFound / faultsTotal; null when there are no faults. */
  readonly recall: number | null;
  /** anomaliesInFaults / anomalies; null when nothing was flagged. */
  readonly precision: number | null;
  readonly byKind: Readonly<Record<FaultKind, KindScore>>;
  /** Mean time from a found fault's start to the first flag of its detecting run; null when none was found. */
  readonly meanDetectionDelayMs: number | null;
}

export interface ScoreOptions {
  /** Flags up to this long after a fault's end still count for it (a smoothed score lags). */
  graceMs: number;
  /** Step of the scored timestamps: flags this far apart are consecutive. */
  resolutionMs: number;
  /**
   * Consecutive flagged timestamps needed to count a fault as found. 1 is "any flag inside"; but a
   * model raising false alarms on 1-2 % of normal rows lands one by chance in nearly every hour-long
   * fault at a 10 s step, so "found" would mean little. Three in a row happen by chance about once in
   * 10^5 rows at that rate.
   */
  minRun: number;
}

/**
 * Event-level recall and timestamp-level precision of anomaly flags against injected faults: the evaluation
 * module's scorer (`scoreFlags`, what `latigo evaluate` and GET .../evaluation use) per asset, with the
 * asset's faults as its labelled intervals. A fault counts as found when its asset flags `minRun`
 * consecutive timestamps starting in [fromMs, toMs + graceMs). An anomalous timestamp is a true positive
 * when it lies in such an interval of its own asset.
 */
export function scoreDetections(
  faults: readonly FaultInterval[],
  anomalies: readonly AssetAnomalies[],
  options: ScoreOptions,
): DetectionScore {
  const byKind = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, { total: 0, found: 0 }])) as Record<FaultKind, KindScore>;
  const timesByAsset = new Map<string, number[]>();
  for (const { asset, timesMs } of anomalies) {
    const list = timesByAsset.get(asset) ?? [];
    list.push(...timesMs);
    timesByAsset.set(asset, list);
  }
  for (const fault of faults) if (!timesByAsset.has(fault.asset)) timesByAsset.set(fault.asset, []);

  let found = 0;
  let delaySum = 0;
  let total = 0;
  let inFaults = 0;
  for (const [asset, list] of timesByAsset) {
    // The flagged timestamps only: every scored row is flagged, so runs and precision are over flags.
    const times = [...new Set(list)].sort((a, b) => a - b);
    const own = faults.filter((f) => f.asset === asset);
    const score = scoreFlags(
      times,
      times.map(() => true),
      own.map((f) => ({ fromMs: f.fromMs, toMs: f.toMs, label: f.kind })),
      options,
    );
    total += score.flagged;
    inFaults += score.flaggedInIntervals;
    for (const event of score.events.items) {
      const kind = event.label as FaultKind;
      byKind[kind].total++;
      if (!event.detected) continue;
      found++;
      byKind[kind].found++;
      delaySum += event.timeToDetectMs!;
    }
  }
  return {
    faultsTotal: faults.length,
    faultsFound: found,
    anomalies: total,
    anomaliesInFaults: inFaults,
    recall: faults.length > 0 ? found / faults.length : null,
    precision: total > 0 ? inFaults / total : null,
    byKind,
    meanDetectionDelayMs: found > 0 ? delaySum / found : null,
  };
}
