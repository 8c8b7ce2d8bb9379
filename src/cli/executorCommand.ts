import { ExecutorToken } from '../composition/container.js';
import type { Executor } from '../executor/Executor.js';
import { warnIfHeapLimitNotApplied } from './heapLimit.js';
import { runCommand, type GlobalOptions } from './runCommand.js';
import { startHeartbeat } from './heartbeat.js';
import { serveObservability } from './serveObservability.js';

/** `latigo executor`: consumes prediction tasks until SIGINT/SIGTERM, then drains and exits 0. */
export async function runExecutor(options: { name: string; pool?: string }, globals: GlobalOptions): Promise<never> {
  // `--pool` is the LATIGO_EXECUTOR__POOL override by another name: loadConfig validates it with the rest.
  if (options.pool !== undefined) process.env['LATIGO_EXECUTOR__POOL'] = options.pool;
  return runCommand(globals, { processName: options.name, logTo: 'stdout', stoppable: true }, async (context) => {
    const { config, log, stopSignal: signal } = context;
    warnIfHeapLimitNotApplied(config.executor, log);
    await context.checkCredentials('executor');
    const root = context.container('executor');
    const executor = await root.getAsync<Executor>(ExecutorToken);
    const endpoint = await serveObservability(context, root);
    const heartbeat = await startHeartbeat(context, root, 'executor');
    try {
      await executor.run(signal);
    } finally {
      await heartbeat.stop();
      await endpoint.close();
    }
  });
}
