import { getHeapStatistics } from 'node:v8';
import type { ExecutorConfig } from '../config/sections.js';
import type { Logger } from '../runtime/logger.js';

/**
 * Node sizes the V8 heap from the machine's memory (about 4 GB on a 16 GB host) and, under a steady
 * allocation rate, lets an executor's heap grow far past its live set (about 60 MB at 9,000 models)
 * before collecting. A fixed old-space limit keeps each executor's memory bounded and predictable.
 * It can only be set when node starts, so launchers pass it: `latigo start`, supervisord, containers.
 */
export function executorNodeOptions(config: Pick<ExecutorConfig, 'maxHeapMb'>): string[] {
  return config.maxHeapMb > 0 ? [`--max-old-space-size=${config.maxHeapMb}`] : [];
}

/** Tells an operator who started `latigo executor` by hand that the configured heap limit is not in force. */
export function warnIfHeapLimitNotApplied(config: Pick<ExecutorConfig, 'maxHeapMb'>, log: Logger): void {
  if (config.maxHeapMb === 0) return;
  const actualMb = getHeapStatistics().heap_size_limit / 1024 / 1024;
  // heap_size_limit adds the young generation and some slack to --max-old-space-size.
  if (actualMb > config.maxHeapMb * 1.5 + 64) {
    log.warn('executor.max_heap_mb is not applied to this process; start it with node --max-old-space-size (latigo start does)', {
      maxHeapMb: config.maxHeapMb,
      heapLimitMb: Math.round(actualMb),
    });
  }
}
