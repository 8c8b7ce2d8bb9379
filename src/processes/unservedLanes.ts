import type { QueueInspector } from '../contracts/QueueInspector.js';
import type { ProcessRecord } from './ProcessRegistry.js';

/**
 * Ready tasks per lane (model kind) that no live executor serves: an executor without a pool serves every
 * lane, one with a pool its pool's kinds (`executor.pools`). What stays here waits until such an executor
 * starts, so `status` and the API show it instead of leaving it silently stuck.
 */
export function unservedLanes(
  readyByLane: Readonly<Record<string, number>>,
  processes: readonly ProcessRecord[],
  pools: Readonly<Record<string, readonly string[]>>,
): Record<string, number> {
  const executors = processes.filter((p) => p.role === 'executor' && p.state === 'live');
  if (executors.some((e) => e.pool === undefined)) return {};
  const served = new Set(executors.flatMap((e) => pools[e.pool!] ?? []));
  return Object.fromEntries(Object.entries(readyByLane).filter(([lane, n]) => n > 0 && !served.has(lane)));
}

/**
 * Ready tasks per pool that no live executor of that pool serves, for a queue with a backlog per pool (a hub
 * per pool): such a backlog is read only by its own pool's executors, and holds only that pool's kinds but
 * cannot tell them apart, so the count is keyed by the pool's kinds joined with `+` (`forecast`,
 * `pca_anomaly+threshold`).
 */
export function unservedPools(
  readyByPool: Readonly<Record<string, number>>,
  processes: readonly ProcessRecord[],
  pools: Readonly<Record<string, readonly string[]>>,
): Record<string, number> {
  const served = new Set(processes.filter((p) => p.role === 'executor' && p.state === 'live').map((e) => e.pool));
  return Object.fromEntries(
    Object.entries(readyByPool)
      .filter(([pool, n]) => n > 0 && !served.has(pool))
      .map(([pool, n]) => [(pools[pool] ?? [pool]).join('+'), n]),
  );
}

/** What `waitingUnserved` reads: the queue's ready count per lane (or per pool), the executors' heartbeats and the pools. */
export interface UnservedSources {
  readonly readyByLane?: () => Promise<Readonly<Record<string, number>>>;
  readonly readyByPool?: () => Promise<Readonly<Record<string, number>>>;
  readonly processes: () => Promise<readonly ProcessRecord[]>;
  readonly pools: Readonly<Record<string, readonly string[]>>;
}

/**
 * Ready tasks per model kind (per pool's kinds on a queue with a backlog per pool) that no live executor
 * serves, for `status`, the API's queue route and the `latigo_queue_unserved_tasks` gauge alike; undefined
 * when the queue can count neither by lane nor by pool.
 */
export async function waitingUnserved(sources: UnservedSources): Promise<Record<string, number> | undefined> {
  const { readyByLane, readyByPool } = sources;
  if (readyByLane !== undefined) {
    const [ready, processes] = await Promise.all([readyByLane(), sources.processes()]);
    return unservedLanes(ready, processes, sources.pools);
  }
  if (readyByPool === undefined) return undefined;
  const [ready, processes] = await Promise.all([readyByPool(), sources.processes()]);
  return unservedPools(ready, processes, sources.pools);
}

/** The counts `waitingUnserved` can read of a queue inspector (none when it has neither). */
export function unservedCounts(inspector: QueueInspector | undefined): Pick<UnservedSources, 'readyByLane' | 'readyByPool'> {
  const readyByLane = inspector?.readyByLane?.bind(inspector);
  const readyByPool = inspector?.readyByPool?.bind(inspector);
  return { ...(readyByLane === undefined ? {} : { readyByLane }), ...(readyByPool === undefined ? {} : { readyByPool }) };
}
