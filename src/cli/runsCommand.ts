import { InvalidArgumentError } from 'commander';
import ms from 'ms';
import { OnDemandRunsToken, RunStoreToken, WindowLedgerToken } from '../composition/container.js';
import { timeRange } from '../domain/TimeRange.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import type { OnDemandRuns } from '../runs/OnDemandRuns.js';
import type { RunStore } from '../runs/RunStore.js';
import { runCommand, type GlobalOptions } from './runCommand.js';

export interface CreateOptions {
  from?: number;
  to?: number;
  last?: number;
  rerun?: boolean;
  meta?: unknown;
  json?: boolean;
}

/**
 * `latigo runs create <project/model> ...`: an on-demand run without the API process, through the same ledger
 * and queue (the API's POST /models/{project}/{model}/runs).
 */
export async function runRunsCreate(model: string, options: CreateOptions, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'runs', logTo: 'stderr' }, async ({ container, config }) => {
    const [project, name] = modelRef(model);
    const now = Date.now();
    let range;
    if (options.last !== undefined) range = timeRange(now - options.last, now);
    else if (options.from !== undefined && options.to !== undefined && options.to > options.from)
      range = timeRange(options.from, options.to);
    else throw new InvalidArgumentError('give --last, or --from and --to with --to later than --from');
    if (range.toMs - range.fromMs > config.api.maxRangeMs)
      throw new InvalidArgumentError(`the range is longer than api.max_range (${ms(config.api.maxRangeMs)})`);
    const onDemand = await container('api').getAsync<OnDemandRuns>(OnDemandRunsToken);
    const run = await onDemand.create({
      project,
      model: name,
      range,
      rerun: options.rerun ?? false,
      requestedBy: 'cli',
      ...(options.meta === undefined ? {} : { meta: options.meta }),
    });
    if (options.json) process.stdout.write(`${JSON.stringify(run)}\n`);
    else
      process.stdout.write(
        `run ${run.id}: ${run.windows} window(s) of ${project}/${name}, ${run.queued} queued${run.rerun ? ' (rerun)' : ''}\n`,
      );
    return run.windows === 0 ? 1 : 0;
  });
}

/** `latigo runs show <id>`: a run's windows by state (the API's GET /runs/{id}). */
export async function runRunsShow(id: string, options: { json?: boolean }, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'runs', logTo: 'stderr' }, async ({ container }) => {
    const root = container('api');
    const run = await (await root.getAsync<RunStore>(RunStoreToken)).get(id);
    if (run === undefined) {
      process.stderr.write(`latigo: no run ${id}\n`);
      return 1;
    }
    const counts = await (
      await root.getAsync<WindowLedger>(WindowLedgerToken)
    ).countByState({
      project: run.project,
      model: run.model,
      revision: run.revision,
      fromMs: run.fromMs,
      toMs: run.toMs,
    });
    const state = counts.queued + counts.running + counts.failed > 0 ? 'running' : 'finished';
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ...run, state, windowsByState: counts })}\n`);
      return 0;
    }
    process.stdout.write(
      `run ${run.id} ${state}: ${run.project}/${run.model} ${new Date(run.fromMs).toISOString()} .. ${new Date(run.toMs).toISOString()}\n` +
        `  windows ${Object.entries(counts)
          .map(([st, n]) => `${st} ${n}`)
          .join(', ')}\n`,
    );
    return 0;
  });
}

export function modelRef(text: string): [string, string] {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) throw new InvalidArgumentError(`expected project/model, got "${text}"`);
  return [text.slice(0, slash), text.slice(slash + 1)];
}
