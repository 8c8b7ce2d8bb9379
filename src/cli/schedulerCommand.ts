import { Command, Option } from 'commander';
import { SchedulerToken } from '../composition/container.js';
import type { Scheduler } from '../scheduler/Scheduler.js';
import { runCommand, type GlobalOptions } from './runCommand.js';
import { serveObservability } from './serveObservability.js';

/** `latigo scheduler`: queues the windows the ledger lacks, every tick, until SIGINT/SIGTERM. */
export function schedulerCommand(): Command {
  return new Command('scheduler')
    .description('run the scheduler: queue every missing prediction window until stopped')
    .addOption(new Option('--name <name>', 'process name in logs').env('LATIGO_PROCESS_NAME').default('scheduler'))
    .action(async (options: { name: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await runCommand(globals, { processName: options.name, logTo: 'stdout', stoppable: true }, async (context) => {
        const { log, stopSignal } = context;
        await context.checkCredentials('scheduler');
        const root = context.container('scheduler');
        const scheduler = await root.getAsync<Scheduler>(SchedulerToken);
        const endpoint = await serveObservability(context, root);
        log.info('scheduler started');
        try {
          await scheduler.run(stopSignal);
        } finally {
          await endpoint.close();
        }
        log.info('scheduler stopped');
      });
    });
}
