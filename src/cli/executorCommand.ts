import { Command, Option } from 'commander';
import { ExecutorToken } from '../composition/container.js';
import type { Executor } from '../executor/Executor.js';
import { warnIfHeapLimitNotApplied } from './heapLimit.js';
import { runCommand, type GlobalOptions } from './runCommand.js';
import { serveObservability } from './serveObservability.js';

/** `latigo executor`: consumes prediction tasks until SIGINT/SIGTERM, then drains and exits 0. */
export function executorCommand(): Command {
  return new Command('executor')
    .description('run an executor: take prediction tasks from the queue until stopped')
    .addOption(new Option('--name <name>', 'process name in logs, leases and task runs')
      .env('LATIGO_PROCESS_NAME')
      .default(`executor-${process.pid}`, 'executor-<pid>'))
    .action(async (options: { name: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await runCommand(globals, { processName: options.name, logTo: 'stdout', stoppable: true }, async (context) => {
        const { config, log, stopSignal: signal } = context;
        warnIfHeapLimitNotApplied(config.executor, log);
        await context.checkCredentials('executor');
        const root = context.container('executor');
        const executor = await root.getAsync<Executor>(ExecutorToken);
        const endpoint = await serveObservability(context, root);
        try {
          await executor.run(signal);
        } finally {
          await endpoint.close();
        }
      });
    });
}
