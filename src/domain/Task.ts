import { createHash } from 'node:crypto';
import { timeRange, type TimeRange } from './TimeRange.js';

/** One unit of work: predict `model` at `revision` over `window`. */
export interface PredictionTask {
  /** `taskId(project, model, revision, window)`: the same window always has the same id. */
  readonly id: string;
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly window: TimeRange;
  /** 1 on first delivery; counted by the queue. */
  readonly attempt: number;
}

/** Stable id of a window (ARCHITECTURE invariant 1): a SHA-256 over its key, 32 hex characters. */
export function taskId(project: string, model: string, revision: string, window: TimeRange): string {
  // JSON array keeps field boundaries unambiguous whatever characters the names hold.
  const key = JSON.stringify([project, model, revision, window.fromMs, window.toMs]);
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

export function newTask(project: string, model: string, revision: string, window: TimeRange): PredictionTask {
  return { id: taskId(project, model, revision, window), project, model, revision, window, attempt: 1 };
}

/** The wire form of a task: what the scheduler sends and the executor parses. */
export interface TaskMessage {
  readonly v: 1;
  readonly id: string;
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly from: string; // ISO 8601 UTC
  readonly to: string;
}

export function encodeTask(task: PredictionTask): string {
  const message: TaskMessage = {
    v: 1, id: task.id, project: task.project, model: task.model, revision: task.revision,
    from: new Date(task.window.fromMs).toISOString(), to: new Date(task.window.toMs).toISOString(),
  };
  return JSON.stringify(message);
}

/** Parses a queue message body; throws `MalformedTaskError` with the reason when it is not a task. */
export function decodeTask(body: string, attempt: number): PredictionTask {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw new MalformedTaskError(`body is not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MalformedTaskError('body is not a JSON object');
  const m = raw as Record<string, unknown>;
  for (const key of ['project', 'model', 'revision', 'from', 'to'] as const) {
    if (typeof m[key] !== 'string' || (m[key] as string).length === 0) {
      throw new MalformedTaskError(`field "${key}" must be a non-empty string`);
    }
  }
  const fromMs = Date.parse(m.from as string);
  const toMs = Date.parse(m.to as string);
  if (Number.isNaN(fromMs)) throw new MalformedTaskError(`field "from" is not a timestamp: ${String(m.from)}`);
  if (Number.isNaN(toMs)) throw new MalformedTaskError(`field "to" is not a timestamp: ${String(m.to)}`);
  if (toMs <= fromMs) throw new MalformedTaskError(`window is empty or reversed: from ${String(m.from)} to ${String(m.to)}`);
  const window = timeRange(fromMs, toMs);
  const id = taskId(m.project as string, m.model as string, m.revision as string, window);
  if (m.id !== undefined && m.id !== id) throw new MalformedTaskError(`field "id" ${String(m.id)} does not match the window (expected ${id})`);
  return { id, project: m.project as string, model: m.model as string, revision: m.revision as string, window, attempt };
}

export class MalformedTaskError extends Error {
  override readonly name = 'MalformedTaskError';
}
