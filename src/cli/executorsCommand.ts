import { ProcessRegistryToken } from '../composition/container.js';
import type { ProcessRecord, ProcessRegistry } from '../processes/ProcessRegistry.js';
import { runCommand, type GlobalOptions } from './runCommand.js';

/** `latigo executors`: the scheduler, executor and api processes from their heartbeats (the API's /executors). */
export async function runExecutors(options: { json?: boolean }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'executors', logTo: 'stderr' }, async ({ container, config }) => {
    const registry = await container('scheduler').getAsync<ProcessRegistry>(ProcessRegistryToken);
    const rows = await registry.list(Date.now(), config.api.lostAfterMs);
    for (const row of rows) process.stdout.write(options.json ? `${JSON.stringify(row)}\n` : `${formatProcess(row)}\n`);
    if (!options.json && rows.length === 0) process.stdout.write('no processes registered\n');
  });
}

export function formatProcess(p: ProcessRecord): string {
  return (
    `${p.name.padEnd(14)} ${p.role.padEnd(9)} ${p.state.padEnd(4)}  ${p.host}:${p.pid}  v${p.version}  last seen ${new Date(p.lastSeen).toISOString()}` +
    `  in flight ${p.inFlight}, done ${p.done}, failed ${p.failed}, ${p.rate}/s`
  );
}
