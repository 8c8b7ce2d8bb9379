import { formatDetectionSummary } from '../demo/index.js';
import { maskUrl } from '../persistence/dataSource.js';
import type { Schedule } from '../scheduler/ticks.js';
import { formatProgress, type ProgressSnapshot } from './startStatus.js';

/**
 * What `latigo start` tells its user, in one place: the lines printed at start-up, the "what happens next"
 * part of each progress line, and the summary printed on stop. Later roles (an API server, heartbeats) add
 * their lines to `startupLines` / `summaryLines` rather than writing on their own.
 */

export interface StartupFacts {
  children: readonly string[];
  databaseUrl: string;
  /** The level the children log at; per-window lines are debug. */
  logLevel: string;
  statusIntervalMs: number;
  /** Extra lines from other roles (e.g. "API on http://127.0.0.1:8080"). */
  extra?: readonly string[];
}

export function startupLines(facts: StartupFacts): string[] {
  return [
    `[latigo] database ${maskUrl(facts.databaseUrl)}; logs at ${facts.logLevel} (one line per scheduler pass; per-window lines at debug)`,
    ...(facts.extra ?? []).map((line) => `[latigo] ${line}`),
    `[latigo] starting ${facts.children.join(', ')}; a progress line every ${Math.round(facts.statusIntervalMs / 1000)} s while it changes; press Ctrl-C to stop`,
  ];
}

/** The next tick of `schedule` after `nowMs`, and how many windows it makes due (one per model). */
export function nextTick(schedule: Schedule, models: number, nowMs: number): { atMs: number; windows: number } {
  return { atMs: schedule.tickMs(schedule.latestTickIndex(nowMs) + 1), windows: models };
}

/** `next tick 20:00:00, 4 windows`, in the local time of the terminal. */
export function formatNextTick(next: { atMs: number; windows: number }): string {
  const at = new Date(next.atMs);
  const time = [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `next tick ${time}, ${next.windows} window${next.windows === 1 ? '' : 's'}`;
}

/**
 * The summary on stop: the final counts, then the demo's detection score with what its window count means
 * (it counts only the demo models' windows inside the scored range; the progress line counts every window).
 */
export function summaryLines(heading: 'stopping' | 'stopped', snapshot: ProgressSnapshot, options: { detections: boolean }): string[] {
  const lines = [`[latigo] ${heading}. ${formatProgress(snapshot).replace('[latigo] ', '')}`];
  const detections = options.detections ? snapshot.detections : undefined;
  if (detections !== undefined) {
    lines.push(formatDetectionSummary(detections));
    lines.push(
      `  (windows processed: the demo models' windows that ended inside this range and finished; the [latigo] line counts ` +
        `every window in the ledger, catch-up before the range included, ${snapshot.pending} still queued or running)`,
    );
  }
  return lines;
}
