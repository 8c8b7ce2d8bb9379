import { createHash } from 'node:crypto';
import type { TimeRange } from './TimeRange.js';

/** One unit of work: predict `model` at `revision` over `window`. */
export interface PredictionTask {
  /** `taskId(project, model, revision, window)`: the same window always has the same id. */
  readonly id: string;
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly window: TimeRange;
}

/** Stable id of a window (ARCHITECTURE invariant 1): a SHA-256 over its key, 32 hex characters. */
export function taskId(project: string, model: string, revision: string, window: TimeRange): string {
  // JSON array keeps field boundaries unambiguous whatever characters the names hold.
  const key = JSON.stringify([project, model, revision, window.fromMs, window.toMs]);
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

export function newTask(project: string, model: string, revision: string, window: TimeRange): PredictionTask {
  return { id: taskId(project, model, revision, window), project, model, revision, window };
}
