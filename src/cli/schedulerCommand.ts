import { Command, Option } from 'commander';
import { SchedulerToken } from '../composition/container.js';
import type { Scheduler } from '../scheduler/Scheduler.js';
import { runCommand, type GlobalOptions } from './runCommand.js';

/** `latigo scheduler`: queues the windows the ledger lacks, every tick, until SIGINT/SIGTERM. */
export function schedulerCommand(): Command {
  return new Command('scheduler')
    .description('run the scheduler: queue every missing prediction window until stopped')
    .addOption(new Option('--name <name>', 'process name in logs').env('LATIGO_PROCESS_NAME').default('scheduler'))
    .action(async (options: { name: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await runCommand(globals, { processName: options.name, logTo: 'stdout', stoppable: true }, async ({ container, log, stopSignal }) => {
        const scheduler = await container('scheduler').getAsync<Scheduler>(SchedulerToken);
        log.info('scheduler started');
        await scheduler.run(stopSignal);
        log.info('scheduler stopped');
      });
    });
}
