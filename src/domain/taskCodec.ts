import { z } from 'zod';
import { MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH, nameLengthProblem } from './limits.js';
import { newTask, taskId, type PredictionTask } from './Task.js';
import { timeRange, type TimeRange } from './TimeRange.js';

/**
 * The one codec of task messages: what the scheduler sends, what queues carry and what the executor reads.
 * Two wire formats are read:
 *
 * - latigo (v1): `{"v": 1, "id", "project", "model", "revision", "from", "to"}`, times ISO 8601 UTC;
 * - Python latigo: `{"project_name", "model_name", "from_time", "to_time"}`, times float epoch seconds and
 *   no revision (the Python executor ran the model's current one). The executor pins it with the
 *   `describeModel` call it makes anyway (invariant 5), see `pinTask`.
 *
 * Every body is parsed once, here; nothing else looks inside a task message.
 */

/** The latigo wire form of a task: what the scheduler sends and the executor parses. */
export interface TaskMessage {
  readonly v: 1;
  readonly id: string;
  readonly project: string;
  readonly model: string;
  readonly revision: string;
  readonly from: string; // ISO 8601 UTC
  readonly to: string;
}

/** The Python latigo's task message, as its scheduler writes it. */
export interface PythonTaskMessage {
  readonly project_name: string;
  readonly model_name: string;
  readonly from_time: number;
  readonly to_time: number;
}

/** A task message as read: a latigo task is complete; a Python one still needs its model's current revision. */
export type DecodedTask =
  | { readonly format: 'latigo'; readonly task: PredictionTask }
  | { readonly format: 'python'; readonly project: string; readonly model: string; readonly window: TimeRange };

export type TaskMessageFormat = DecodedTask['format'];

export class MalformedTaskError extends Error {
  override readonly name = 'MalformedTaskError';
}

const nonEmptyString = (field: string) => {
  const error = `field "${field}" must be a non-empty string`;
  return z.string({ error }).min(1, { error });
};

/** A project, model or revision name: non-empty and no longer than the ledger's columns (limits.ts). */
const name = (field: string) =>
  nonEmptyString(field).superRefine((text, ctx) => {
    const problem = nameLengthProblem(text, MAX_NAME_LENGTH);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `field "${field}" is ${problem}` });
  });

const timestamp = (field: string) =>
  nonEmptyString(field).transform((text, ctx) => {
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `field "${field}" is not a timestamp: ${text}` });
      return z.NEVER;
    }
    return ms;
  });

const epochSeconds = (field: string) =>
  z
    .number({ error: `field "${field}" must be epoch seconds (a number)` })
    // Python floats of epoch seconds, rounded to the millisecond: the core's precision (invariant 4).
    .transform((seconds, ctx) => {
      const ms = Math.round(seconds * 1000);
      if (!Number.isSafeInteger(ms)) {
        ctx.addIssue({ code: 'custom', message: `field "${field}" is not a time: ${seconds}` });
        return z.NEVER;
      }
      return ms;
    });

const latigoSchema = z.object({
  id: z.string({ error: 'field "id" must be a string' }).optional(),
  project: name('project'),
  model: name('model'),
  revision: name('revision'),
  from: timestamp('from'),
  to: timestamp('to'),
});

const pythonSchema = z.object({
  project_name: name('project_name'),
  model_name: name('model_name'),
  from_time: epochSeconds('from_time'),
  to_time: epochSeconds('to_time'),
});

/** Reads a queue message body in either format; throws MalformedTaskError naming the field when it is not a task. */
export function decodeTaskMessage(body: string): DecodedTask {
  // Refused before parsing: a 5 MB body was once retried five times and wrote 31 MB of logs.
  if (body.length > MAX_MESSAGE_LENGTH) {
    throw new MalformedTaskError(
      `body of ${body.length.toLocaleString('en-US')} characters exceeds the limit of ${MAX_MESSAGE_LENGTH.toLocaleString('en-US')} for a task message`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw new MalformedTaskError(`body is not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new MalformedTaskError('body is not a JSON object');
  if ('project_name' in raw) {
    const m = parse(pythonSchema, raw);
    return {
      format: 'python',
      project: m.project_name,
      model: m.model_name,
      window: windowOf(m.from_time, m.to_time, raw, 'from_time', 'to_time'),
    };
  }
  const m = parse(latigoSchema, raw);
  const window = windowOf(m.from, m.to, raw, 'from', 'to');
  const id = taskId(m.project, m.model, m.revision, window);
  if (m.id !== undefined && m.id !== id) throw new MalformedTaskError(`field "id" ${m.id} does not match the window (expected ${id})`);
  return { format: 'latigo', task: { id, project: m.project, model: m.model, revision: m.revision, window } };
}

/** Reads a latigo task message; a Python one (which names no revision) is MalformedTaskError here. */
export function decodeTask(body: string): PredictionTask {
  const decoded = decodeTaskMessage(body);
  if (decoded.format === 'python')
    throw new MalformedTaskError(`a Python latigo task names no revision: pin ${decoded.project}/${decoded.model} with pinTask`);
  return decoded.task;
}

/** The task a decoded message stands for, pinned to `currentRevision` when it names none (a Python message). */
export function pinTask(decoded: DecodedTask, currentRevision: string): PredictionTask {
  return decoded.format === 'latigo' ? decoded.task : newTask(decoded.project, decoded.model, currentRevision, decoded.window);
}

/** The wire body of `task` in `format` (the Python format drops the revision: its executors run the current one). */
export function encodeTask(task: PredictionTask, format: TaskMessageFormat = 'latigo'): string {
  if (format === 'python') {
    const message: PythonTaskMessage = {
      project_name: task.project,
      model_name: task.model,
      from_time: task.window.fromMs / 1000,
      to_time: task.window.toMs / 1000,
    };
    return JSON.stringify(message);
  }
  const message: TaskMessage = {
    v: 1,
    id: task.id,
    project: task.project,
    model: task.model,
    revision: task.revision,
    from: new Date(task.window.fromMs).toISOString(),
    to: new Date(task.window.toMs).toISOString(),
  };
  return JSON.stringify(message);
}

/** A latigo task body written again in `format`, for a queue that sends another format than the scheduler wrote. */
export function reencodeTask(body: string, format: TaskMessageFormat): string {
  return format === 'latigo' ? body : encodeTask(decodeTask(body), format);
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw new MalformedTaskError(result.error.issues[0]?.message ?? 'not a task message');
  return result.data;
}

function windowOf(fromMs: number, toMs: number, raw: object, fromKey: string, toKey: string): TimeRange {
  if (toMs <= fromMs) {
    const m = raw as Record<string, unknown>;
    throw new MalformedTaskError(`window is empty or reversed: ${fromKey} ${String(m[fromKey])} to ${String(m[toKey])}`);
  }
  return timeRange(fromMs, toMs);
}
