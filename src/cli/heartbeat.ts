import type { Container } from 'inversify';
import { createRequire } from 'node:module';
import { ExecutorStatsToken, ProcessRegistryToken } from '../composition/container.js';
import { Heartbeat } from '../processes/Heartbeat.js';
import type { ExecutorStats } from '../processes/ProcessStats.js';
import type { ProcessRegistry } from '../processes/ProcessRegistry.js';
import { systemClock } from '../runtime/clock.js';
import type { CommandContext } from './runCommand.js';

/** latigo's version, from the package.json two levels up from src/cli (tsx) or three from dist/src/cli. */
const version = ((): string => {
  const require = createRequire(import.meta.url);
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const found = require(path) as { name?: string; version?: string };
      if (found.name === 'latigo' && typeof found.version === 'string') return found.version;
    } catch {
      /* not at this level */
    }
  }
  return 'unknown';
})();

/** Registers this process in the `process` table and keeps its heartbeat going (executors report their task counters). */
export async function startHeartbeat(context: CommandContext, root: Container, role: 'scheduler' | 'executor' | 'api'): Promise<Heartbeat> {
  const { config, log, processName } = context;
  const stats = role === 'executor' ? root.get<ExecutorStats>(ExecutorStatsToken) : undefined;
  const heartbeat = new Heartbeat({
    registry: await root.getAsync<ProcessRegistry>(ProcessRegistryToken),
    name: processName,
    role,
    version,
    intervalMs: config.api.heartbeatIntervalMs,
    forgetAfterMs: config.api.forgetAfterMs,
    clock: systemClock,
    log: log.child({ component: 'heartbeat' }),
    ...(stats === undefined ? {} : { counters: () => stats.counters() }),
    ...(role === 'executor' && config.executor.pool !== undefined ? { pool: config.executor.pool } : {}),
  });
  await heartbeat.start();
  return heartbeat;
}
