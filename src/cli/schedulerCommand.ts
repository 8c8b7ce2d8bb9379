import { createBackfillJobRunner } from '../backfills/createBackfillJobRunner.js';
import { SchedulerToken } from '../composition/container.js';
import type { Scheduler } from '../scheduler/Scheduler.js';
import { runCommand, type GlobalOptions } from './runCommand.js';
import { startHeartbeat } from './heartbeat.js';
import { serveObservability } from './serveObservability.js';

/** `latigo scheduler`: queues the windows the ledger lacks, every tick, until SIGINT/SIGTERM. */
export async function runScheduler(options: { name: string }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: options.name, logTo: 'stdout', stoppable: true }, async (context) => {
    const { log, stopSignal } = context;
    await context.checkCredentials('scheduler');
    const root = context.container('scheduler');
    const scheduler = await root.getAsync<Scheduler>(SchedulerToken);
    const endpoint = await serveObservability(context, root);
    const heartbeat = await startHeartbeat(context, root, 'scheduler');
    // Backfill jobs run beside the schedule, paced so that live windows keep their place in the queue.
    const backfills = await createBackfillJobRunner(root, context.config, context.processName, log);
    log.info('scheduler started');
    try {
      await Promise.all([scheduler.run(stopSignal), backfills.run(stopSignal)]);
    } finally {
      await heartbeat.stop();
      await endpoint.close();
    }
    log.info('scheduler stopped');
  });
}
