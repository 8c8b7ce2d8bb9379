import { InvalidArgumentError } from 'commander';
import { WindowLedgerToken } from '../composition/container.js';
import { QueueInspector, type RedriveFilter } from '../contracts/QueueInspector.js';
import { deadLetterClass, redriveDeadLetters } from '../deadletters/redriveDeadLetters.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import { runCommand, type CommandContext, type GlobalOptions } from './runCommand.js';

/** `latigo dead-letters list`: the queue's dead letters with reason and error class (the API's GET /dead-letters). */
export async function runDeadLettersList(options: { limit: number; json?: boolean }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'dead-letters', logTo: 'stderr' }, async (context) => {
    const inspector = await inspectorOf(context);
    const page = await inspector.deadLetters({ limit: options.limit });
    for (const d of page.items) {
      const errorClass = deadLetterClass(d);
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ id: d.id, errorClass, reason: d.reason, attempts: d.attempts, deadAt: new Date(d.deadAtMs).toISOString() })}\n`
          : `${new Date(d.deadAtMs).toISOString()}  ${d.id}  ${errorClass}  ${d.reason}\n`,
      );
    }
    if (!options.json && page.items.length === 0) process.stdout.write('no dead letters\n');
  });
}

/** `latigo dead-letters redrive (ids... | --reason text | --all)`: the API's POST /dead-letters/redrive. */
export async function runDeadLettersRedrive(
  ids: string[],
  options: { reason?: string; all?: boolean },
  globals: GlobalOptions,
): Promise<never> {
  return runCommand(globals, { processName: 'dead-letters', logTo: 'stderr' }, async (context) => {
    const chosen = [ids.length > 0, options.reason !== undefined, options.all === true].filter(Boolean).length;
    if (chosen !== 1) throw new InvalidArgumentError('give message ids, --reason <text> or --all (one of them)');
    const filter: RedriveFilter =
      ids.length > 0 ? { ids } : options.reason !== undefined ? { reasonContains: options.reason } : { all: true };
    const root = context.container('api');
    const result = await redriveDeadLetters(await inspectorOf(context, root), await root.getAsync<WindowLedger>(WindowLedgerToken), filter);
    process.stdout.write(`re-drove ${result.redriven} dead letter(s); ${result.windows} window(s) runnable again\n`);
  });
}

async function inspectorOf(context: CommandContext, root = context.container('api')): Promise<QueueInspector> {
  if (!root.isBound(QueueInspector))
    throw new Error(`task_queue type "${context.config.providers.task_queue.type}" does not offer dead-letter inspection`);
  return root.getAsync(QueueInspector);
}
