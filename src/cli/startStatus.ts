import { setTimeout as sleep } from 'node:timers/promises';
import type { PredictionReader } from '../contracts/PredictionReader.js';
import type { LedgerCounts } from '../ledger/WindowLedger.js';
import type { Database } from '../persistence/Database.js';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { evaluateDetections, type DetectionSummary } from '../demo/index.js';

/** Where `latigo start` reads its progress from. */
export interface ProgressSources {
  ledger: { counts(): Promise<LedgerCounts> };
  /** The prediction store's PredictionReader, when its module declares one: predictions are counted then. */
  reader?: PredictionReader;
  /** Set in demo mode: anomalies are scored against the injected faults over this range's start .. now. */
  demo?: { db: Database; project: string; fromMs: number; resolutionMs: number };
}

export interface ProgressSnapshot {
  done: number;
  succeeded: number;
  insufficientData: number;
  failed: number;
  pending: number;
  predictions: number | undefined;
  detections: DetectionSummary | undefined;
}

export async function progressSnapshot(sources: ProgressSources): Promise<ProgressSnapshot> {
  const { byState } = await sources.ledger.counts();
  const demo = sources.demo;
  const detections =
    demo && demo.fromMs < Date.now()
      ? await evaluateDetections({
          db: demo.db,
          project: demo.project,
          resolutionMs: demo.resolutionMs,
          range: { fromMs: demo.fromMs, toMs: Date.now() },
        })
      : undefined;
  return {
    done: byState.succeeded + byState.insufficient_data + byState.failed + byState.dead,
    succeeded: byState.succeeded,
    insufficientData: byState.insufficient_data,
    failed: byState.failed + byState.dead,
    pending: byState.queued + byState.running,
    predictions: sources.reader ? await sources.reader.countPredictions() : undefined,
    detections,
  };
}

export function formatProgress(s: ProgressSnapshot): string {
  const parts = [
    `windows ${s.done} done (${s.succeeded} succeeded, ${s.insufficientData} insufficient data, ${s.failed} failed), ${s.pending} queued`,
  ];
  if (s.predictions !== undefined) parts.push(`predictions ${s.predictions}`);
  if (s.detections !== undefined)
    // The windows the detection score covers: until one has finished, "0 faults found" says nothing yet.
    parts.push(
      `scored windows ${s.detections.windows.processed}, anomalies ${s.detections.anomalies} ` +
        `(${s.detections.faultsFound}/${s.detections.faultsTotal} injected faults found)`,
    );
  return `[latigo] ${parts.join(' | ')}`;
}

/** Prints a progress line every `intervalMs` while it changes, and at least every `quietMs` while it does
 *  not (an idle pipeline should not flood the terminal). `next` adds what happens next ("next tick 20:00:00,
 *  4 windows"). A failed read is logged, not fatal. */
export async function reportProgress(
  sources: ProgressSources,
  intervalMs: number,
  out: NodeJS.WritableStream,
  log: Logger,
  signal: AbortSignal,
  quietMs = 60_000,
  next?: () => string | undefined,
): Promise<void> {
  let last = '';
  let lastAt = 0;
  while (!signal.aborted) {
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return;
    }
    try {
      const upcoming = next?.();
      const line = `${formatProgress(await progressSnapshot(sources))}${upcoming === undefined ? '' : ` | ${upcoming}`}`;
      if (line !== last || Date.now() - lastAt >= quietMs) {
        out.write(`${line}\n`);
        last = line;
        lastAt = Date.now();
      }
    } catch (err) {
      log.warn('progress report failed', { error: describeError(err) });
    }
  }
}
