import { formatRange } from '../domain/TimeRange.js';
import type { DetectionSummary } from './evaluateDetections.js';
import { FAULT_KINDS } from './faults.js';

/** A short table of the summary for the terminal. */
export function formatDetectionSummary(result: DetectionSummary): string {
  const w = result.windows;
  const lines = [
    `Demo detections for project ${result.project} over ${formatRange(result.range)}`,
    `  windows processed  ${w.processed} (${w.succeeded} succeeded, ${w.insufficientData} insufficient data, ${w.failed} failed)`,
    `  timestamps scored  ${result.scoredTimestamps}`,
    `  anomalies          ${result.anomalies}, ${result.anomaliesInFaults} inside a fault (+${minutes(result.graceMs)} grace)  precision ${ratio(result.precision)}`,
    `  faults found       ${result.faultsFound} of ${result.faultsTotal} (${result.minRun} flags in a row)  recall ${ratio(result.recall)}` +
      (result.meanDetectionDelayMs === null ? '' : `  mean delay ${minutes(result.meanDetectionDelayMs)}`),
    '  kind    found  total',
    ...FAULT_KINDS.map((kind) => {
      const k = result.byKind[kind];
      return `  ${kind.padEnd(6)}  ${String(k.found).padStart(5)}  ${String(k.total).padStart(5)}`;
    }),
  ];
  return lines.join('\n');
}

function ratio(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}

function minutes(ms: number): string {
  return `${(ms / 60_000).toFixed(1)} min`;
}
