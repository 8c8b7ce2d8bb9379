import { setImmediate } from 'node:timers/promises';
import type { ModelSummary } from '../domain/ModelDescription.js';
import type { ModelFreshness } from '../ledger/windowTypes.js';
import type { ApiDeps } from './ApiDeps.js';

/** A model with how fresh its predictions are against `slo.max_staleness`. */
export interface ModelStatus extends ModelSummary {
  /** End of the newest window that finished (succeeded or lacked data); undefined when none has. */
  lastFinishedToMs?: number;
  lastState?: string;
  /** now − lastFinishedToMs, or undefined when nothing finished yet. */
  stalenessMs?: number;
  stale: boolean;
}

/** Models merged between two yields to the event loop: a few milliseconds of work at most. */
const MODELS_PER_SLICE = 1_000;

/**
 * Every model of the catalogue (of `project` when given), ordered by project and name, with its freshness.
 * Thousands of models are merged in slices, yielding between them, so requests served meanwhile (the API
 * refreshes this while it answers) never wait behind the whole merge.
 */
export async function modelStatuses(
  deps: Pick<ApiDeps, 'models' | 'ledger' | 'clock' | 'config'>,
  project?: string,
  signal?: AbortSignal,
): Promise<ModelStatus[]> {
  const options = signal === undefined ? {} : { signal };
  const projects = project === undefined ? await deps.models.listProjects(options) : [project];
  const [listed, fresh] = await Promise.all([
    Promise.all(projects.map((p) => deps.models.listModels(p, options))),
    deps.ledger.freshness(project),
  ]);
  const byProject = new Map<string, Map<string, ModelFreshness>>();
  for (const f of fresh) {
    let models = byProject.get(f.project);
    if (models === undefined) byProject.set(f.project, (models = new Map<string, ModelFreshness>()));
    models.set(f.model, f);
  }
  const now = deps.clock();
  const maxStalenessMs = deps.config.slo.maxStalenessMs;
  const statuses: ModelStatus[] = [];
  for (const models of listed) {
    for (const m of models) {
      if (statuses.length % MODELS_PER_SLICE === MODELS_PER_SLICE - 1) await setImmediate();
      const f = byProject.get(m.project)?.get(m.name);
      if (f === undefined) {
        statuses.push({ ...m, stale: true });
        continue;
      }
      const stalenessMs = now - f.lastFinishedToMs;
      statuses.push({
        ...m,
        lastFinishedToMs: f.lastFinishedToMs,
        lastState: f.lastState,
        stalenessMs,
        stale: stalenessMs > maxStalenessMs,
      });
    }
  }
  return statuses;
}

/**
 * `modelStatuses` remembered for `ttlMs` per project: a list of thousands of models under many clients would
 * otherwise read the whole catalogue and ledger per request. Concurrent callers share one read, and once a
 * value exists an expired one is still served while its refresh runs, so no request waits for the reread.
 */
export function cachedModelStatuses(
  read: (project?: string) => Promise<ModelStatus[]>,
  ttlMs: number,
  clock: () => number,
): (project?: string) => Promise<ModelStatus[]> {
  if (ttlMs <= 0) return read;
  interface Entry {
    at: number;
    value?: ModelStatus[];
    refreshing?: Promise<ModelStatus[]>;
  }
  const cache = new Map<string, Entry>();
  const refresh = (entry: Entry, project?: string): Promise<ModelStatus[]> => {
    entry.refreshing ??= read(project)
      .then((value) => {
        entry.value = value;
        entry.at = clock();
        return value;
      })
      .finally(() => {
        entry.refreshing = undefined;
      });
    return entry.refreshing;
  };
  return (project) => {
    const key = project ?? '';
    let entry = cache.get(key);
    if (entry === undefined) cache.set(key, (entry = { at: 0 }));
    if (entry.value === undefined) return refresh(entry, project);
    if (clock() - entry.at >= ttlMs) refresh(entry, project).catch(() => {}); // the next caller retries
    return Promise.resolve(entry.value);
  };
}
