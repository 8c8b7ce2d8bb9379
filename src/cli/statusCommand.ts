import { Command } from 'commander';
import { WindowLedgerToken } from '../composition/container.js';
import { PredictionStorageProvider } from '../contracts/PredictionStorageProvider.js';
import { TaskQueue } from '../contracts/TaskQueue.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import { runCommand, type GlobalOptions } from './runCommand.js';
import { collectStatus, formatStatus } from './statusReport.js';

/** `latigo status [--json]`: queue depth, windows by state and error class, predictions, latest anomalies. */
export function statusCommand(): Command {
  return new Command('status')
    .description('queue depth, windows by state and error class, stored predictions and the latest anomalies')
    .option('--json', 'print one JSON object')
    .option('--anomalies <n>', 'latest anomalies to show', (v) => Number.parseInt(v, 10), 10)
    .action(async (options: { json?: boolean; anomalies: number }, command: Command) => {
      await runCommand(command.optsWithGlobals<GlobalOptions>(), { processName: 'status', logTo: 'stderr' }, async ({ container }) => {
        const root = container('admin');
        const report = await collectStatus({
          ledger: await root.getAsync<WindowLedger>(WindowLedgerToken),
          queue: await root.getAsync(TaskQueue),
          storage: await root.getAsync(PredictionStorageProvider),
        }, { anomalies: options.anomalies });
        process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatStatus(report));
      });
    });
}
