import { newTask, type PredictionTask } from '../../src/domain/Task.js';
import { timeRange, type TimeRange } from '../../src/domain/TimeRange.js';

/**
 * The Python latigo's task message: `{"project_name", "model_name", "from_time", "to_time"}` with times as
 * float epoch seconds. It names no revision (the Python executor used the model's current one), so the
 * executor pins the current revision when it receives one (see EventHubsTaskQueue).
 */
export interface PythonTask {
  readonly project: string;
  readonly model: string;
  readonly window: TimeRange;
}

/** The Python task in `body`, or undefined when `body` is not one (our own format, or garbage for decodeTask to reject). */
export function parsePythonTask(body: string): PythonTask | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || !('project_name' in raw) || !('model_name' in raw)) return undefined;
  const m = raw as Record<string, unknown>;
  if (typeof m.project_name !== 'string' || typeof m.model_name !== 'string' || m.project_name === '' || m.model_name === '') return undefined;
  if (typeof m.from_time !== 'number' || typeof m.to_time !== 'number' || !(m.to_time > m.from_time)) return undefined;
  // Python floats of epoch seconds: rounded to the millisecond, the core's precision (invariant 4).
  const fromMs = Math.round(m.from_time * 1000);
  const toMs = Math.round(m.to_time * 1000);
  if (!Number.isSafeInteger(fromMs) || !(toMs > fromMs)) return undefined;
  return { project: m.project_name, model: m.model_name, window: timeRange(fromMs, toMs) };
}

/** Our task message (JSON v1, see src/domain/Task.ts) in the Python format, for Python executors. */
export function toPythonBody(body: string): string {
  const m = JSON.parse(body) as { project: string; model: string; from: string; to: string };
  return JSON.stringify({
    project_name: m.project, model_name: m.model,
    from_time: Date.parse(m.from) / 1000, to_time: Date.parse(m.to) / 1000,
  });
}

/**
 * Pins Python tasks to their model's current revision (invariant 5: the executor runs the revision its task
 * names). Looked up at most every `maxAgeMs` per model: one catalogue call per model, not per window.
 */
export class CurrentRevisions {
  private readonly cache = new Map<string, { revision: string; at: number }>();

  constructor(private readonly lookup: (project: string, model: string) => Promise<string>, private readonly maxAgeMs = 30_000) {}

  async pin(python: PythonTask): Promise<PredictionTask> {
    const key = JSON.stringify([python.project, python.model]);
    let cached = this.cache.get(key);
    if (!cached || Date.now() - cached.at > this.maxAgeMs) {
      cached = { revision: await this.lookup(python.project, python.model), at: Date.now() };
      this.cache.set(key, cached);
    }
    return newTask(python.project, python.model, cached.revision, python.window);
  }
}
