import { setTimeout as sleep } from 'node:timers/promises';
import type { NewEvent } from '../events/eventTypes.js';
import { StateWatch, type Observation } from '../events/StateWatch.js';
import type { Database } from '../persistence/Database.js';
import { describeError } from '../runtime/errors.js';
import type { ApiDeps } from './ApiDeps.js';
import type { ModelStatus } from './freshness.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Each model as stale or fresh against `slo.max_staleness` (the same reading as GET /models and the stale gauge). */
export function freshnessObservations(statuses: readonly ModelStatus[], maxStalenessMs: number): Observation[] {
  return statuses.map((m) => {
    const state = m.stale ? 'stale' : 'fresh';
    const event: NewEvent = {
      type: 'model',
      project: m.project,
      model: m.name,
      revision: m.revision,
      data: {
        state,
        lastFinishedTo: m.lastFinishedToMs === undefined ? null : iso(m.lastFinishedToMs),
        stalenessMs: m.stalenessMs ?? null,
        maxStalenessMs,
      },
    };
    return { key: `model:${m.project}/${m.name}`, state, event };
  });
}

/**
 * The api process's watch (issue 19): every `outputs.watch_interval` it reads the models' freshness and the
 * executors' heartbeats and appends `model` (stale / fresh) and `executor` (lost / live) events for what
 * changed, which the outputs deliver like any other event. Until `signal` fires; a failed pass is logged
 * once and retried at the next.
 */
export async function watchStates(
  db: Database,
  deps: Pick<ApiDeps, 'modelStatuses' | 'processes' | 'clock' | 'config' | 'log'>,
  signal: AbortSignal,
): Promise<void> {
  const watch = new StateWatch(db, deps.clock);
  const { config } = deps;
  let failures = 0;
  while (!signal.aborted) {
    try {
      await watch.observe('model:', freshnessObservations(await deps.modelStatuses(), config.slo.maxStalenessMs));
      const executors = await deps.processes.list(deps.clock(), config.api.lostAfterMs, 'executor');
      await watch.observe(
        'executor:',
        executors.map((p) => ({
          key: `executor:${p.name}`,
          state: p.state,
          event: {
            type: 'executor',
            project: '',
            model: p.name,
            data: { state: p.state, name: p.name, host: p.host, pid: p.pid, lastSeen: iso(p.lastSeen) },
          },
        })),
      );
      failures = 0;
    } catch (err) {
      if (++failures === 1) deps.log.error('watching freshness and executors failed; retrying', { error: describeError(err) });
    }
    await sleep(config.outputs.watchIntervalMs, undefined, { signal }).catch(() => {});
  }
}
