import { SchedulerToken } from '../composition/container.js';
import type { Scheduler } from '../scheduler/Scheduler.js';
import { runCommand, type GlobalOptions } from './runCommand.js';

/**
 * `latigo replan`: one scheduler pass that also queues the windows of the catch-up horizon that recorded
 * history already covers under another schedule. After a change of `interval` or `delay` the scheduler
 * applies the new schedule from the next tick on only; this re-plans the horizon on purpose.
 */
export async function runReplan(_options: unknown, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'replan', logTo: 'stderr' }, async ({ container }) => {
    const scheduler = await container('scheduler').getAsync<Scheduler>(SchedulerToken);
    const summary = await scheduler.runOnce({ mode: 'replan' });
    process.stdout.write(
      `replan done: ${summary.windowsQueued} window(s) queued for ${summary.models} model(s), ` +
        `${summary.duplicatesSkipped} already recorded\n`,
    );
  });
}
