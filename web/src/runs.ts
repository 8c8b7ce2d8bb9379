import { api } from './api.js';
import type { Run } from './types.js';

const RUNS_KEY = 'latigo.runs';

/** Runs started from this tab (the API lists a run by id; a list of all runs comes with backfill jobs). */
export const sessionRuns = {
  ids: (): string[] => {
    try {
      const parsed: unknown = JSON.parse(sessionStorage.getItem(RUNS_KEY) ?? '[]');
      return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
    } catch {
      return [];
    }
  },
  add(id: string): void {
    sessionStorage.setItem(RUNS_KEY, JSON.stringify([id, ...this.ids().filter((v) => v !== id)].slice(0, 50)));
  },
};

/** Starts an on-demand run of a model and remembers it for the Runs page. */
export async function startRun(
  project: string,
  model: string,
  body: { last: string } | { from: string; to: string },
  rerun: boolean,
): Promise<Run> {
  const run = await api<Run>(`/models/${encodeURIComponent(project)}/${encodeURIComponent(model)}/runs`, {
    method: 'POST',
    body: { ...body, rerun, meta: { source: 'web page' } },
  });
  sessionRuns.add(run.id);
  return run;
}

/** Windows done (finished in any way) and the total. */
export function progressOf(run: Run): { done: number; total: number } {
  const s = run.windowsByState ?? {};
  const open = (s.queued ?? 0) + (s.running ?? 0) + (s.failed ?? 0);
  const total = Object.values(s).reduce((a, b) => a + b, 0) || run.windows;
  return { done: total - open, total };
}

/** Seconds left at the rate since the run was created, or undefined before any window finished. */
export function etaSeconds(run: Run, nowMs: number): number | undefined {
  const { done, total } = progressOf(run);
  const elapsed = (nowMs - Date.parse(run.createdAt)) / 1000;
  if (done === 0 || elapsed <= 0) return undefined;
  return ((total - done) * elapsed) / done;
}
