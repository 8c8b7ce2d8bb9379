import { Command, InvalidArgumentError } from 'commander';
import { SchedulerToken } from '../composition/container.js';
import type { Scheduler } from '../scheduler/Scheduler.js';
import { isAbortError } from '../runtime/errors.js';
import { createProgress } from './progress.js';
import { runCommand, type GlobalOptions } from './runCommand.js';

interface BackfillOptions {
  from: number;
  to: number;
  model?: string[];
}

/**
 * `latigo backfill --from --to [--model ...]`: queues the historical windows the ledger lacks. The
 * ledger makes it resumable: after Ctrl-C, running it again queues only what is still missing.
 */
export function backfillCommand(): Command {
  return new Command('backfill')
    .description('queue the missing prediction windows of a past time range (resumable)')
    .requiredOption('--from <time>', 'start of the range, ISO 8601 (e.g. 2026-01-01T00:00:00Z)', parseInstant)
    .requiredOption('--to <time>', 'end of the range (exclusive), ISO 8601', parseInstant)
    .option('--model <name...>', 'only these models ("project/model" or a model name); repeatable', collect)
    .action(async (options: BackfillOptions, command: Command) => {
      await runCommand(command.optsWithGlobals<GlobalOptions>(), { processName: 'backfill', logTo: 'stderr', stoppable: true }, async ({ container, stopSignal: signal }) => {
        if (options.to <= options.from) throw new InvalidArgumentError('--to must be later than --from');
        const scheduler = await container('scheduler').getAsync<Scheduler>(SchedulerToken);
        const progress = createProgress('backfill');
        try {
          const summary = await scheduler.backfill({
            fromMs: options.from, toMs: options.to, signal,
            ...(options.model === undefined ? {} : { models: options.model }),
            onProgress: ({ done, total }) => progress.update(done, total),
          });
          progress.stop();
          process.stdout.write(`backfill done: ${summary.windows} windows of ${summary.models} model(s); ${summary.queued} queued, `
            + `${summary.alreadyRecorded} already recorded (${summary.durationMs} ms)\n`);
        } catch (err) {
          progress.stop();
          if (!isAbortError(err) && !signal.aborted) throw err;
          process.stdout.write('backfill stopped; run the same command again to queue the remaining windows\n');
        }
      });
    });
}

function parseInstant(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('expected an ISO 8601 time such as 2026-01-01T00:00:00Z');
  return ms;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
