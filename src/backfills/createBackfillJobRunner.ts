import type { Container } from 'inversify';
import { BackfillJobStoreToken, ProcessRegistryToken, SchedulerToken, WindowLedgerToken } from '../composition/container.js';
import type { AppConfig } from '../config/AppConfig.js';
import type { Logger } from '../runtime/logger.js';
import { systemClock } from '../runtime/clock.js';
import { BackfillJobRunner } from './BackfillJobRunner.js';

/** The backfill job runner of a scheduler (or of `latigo backfill` when no scheduler runs), from the role's container. */
export async function createBackfillJobRunner(root: Container, config: AppConfig, owner: string, log: Logger): Promise<BackfillJobRunner> {
  const scheduler = await root.getAsync(SchedulerToken);
  return new BackfillJobRunner({
    jobs: await root.getAsync(BackfillJobStoreToken),
    backfill: (options) => scheduler.backfill(options),
    ledger: await root.getAsync(WindowLedgerToken),
    processes: await root.getAsync(ProcessRegistryToken),
    config: config.scheduler.backfill,
    executorConcurrency: config.executor.concurrency,
    lostAfterMs: config.api.lostAfterMs,
    owner,
    clock: systemClock,
    log: log.child({ component: 'backfill-jobs' }),
  });
}
