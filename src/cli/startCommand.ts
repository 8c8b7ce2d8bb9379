import { Command, InvalidArgumentError } from 'commander';
import { WindowLedgerToken } from '../composition/container.js';
import { PredictionStorageProvider } from '../contracts/PredictionStorageProvider.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import { Database } from '../persistence/dataSource.js';
import { systemClock } from '../runtime/clock.js';
import { DemoFeed, formatDetectionSummary } from '../composition/demo.js';
import { demoCatchUpHorizonMs, demoModels, demoSinks, seedDemoWithProgress, trainDemoModels } from './demoSetup.js';
import { executorNodeOptions } from './heapLimit.js';
import { defaultRestartPolicy, ProcessSupervisor, type ChildSpec } from './processSupervisor.js';
import { ExitCode, runCommand, type CommandContext, type GlobalOptions } from './runCommand.js';
import { formatProgress, progressSnapshot, reportProgress, type ProgressSources } from './startStatus.js';

interface StartOptions {
  demo?: boolean;
  executors: number;
  statusInterval: number;
}

/**
 * `latigo start [--demo]`: the scheduler and two executors as child processes of this one, each with
 * its output prefixed by its name. Ctrl-C (SIGINT) or SIGTERM stops them gracefully and prints a summary.
 * A child that dies is restarted with backoff; one that keeps dying stops everything with exit code 1.
 */
export function startCommand(): Command {
  return new Command('start')
    .description('run the scheduler and two executors as child processes; Ctrl-C stops them and prints a summary')
    .option('--demo', 'seed the demo plant when the store is empty, train its models, keep it live, and score the detections on exit')
    .option('--executors <n>', 'executor processes', positiveInteger, 2)
    .option('--status-interval <ms>', 'milliseconds between progress lines', positiveInteger, 5_000)
    .action(async (options: StartOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      await runCommand(globals, { processName: 'latigo', logTo: 'stdout', stoppable: true }, (context) => start(context, options));
    });
}

async function start(context: CommandContext, options: StartOptions): Promise<number> {
  const { config, log, stopSignal: signal } = context;
  const root = context.container('admin');
  const db = await root.getAsync<Database>(Database); // applies pending migrations once, before the children start
  const childEnv: Record<string, string> = {};
  const sources: ProgressSources = {
    ledger: await root.getAsync<WindowLedger>(WindowLedgerToken),
    storage: await root.getAsync(PredictionStorageProvider),
  };
  let feed: DemoFeed | undefined;

  if (options.demo) {
    const seeded = await seedDemoWithProgress(root, config.demo, log);
    if (seeded.seeded) process.stdout.write(`[latigo] seeded the demo plant: ${seeded.plant.assets.length} assets, ${seeded.points} points, ${seeded.plant.faults.length} injected faults\n`);
    const models = await demoModels(root, config.demo);
    const training = await trainDemoModels(root, models, signal).catch((err: unknown) => {
      if (signal.aborted) return undefined; // Ctrl-C while training: stop without starting anything
      throw err;
    });
    if (training === undefined) return ExitCode.ok;
    for (const failure of training.failed) log.warn('demo model not trained; executors will retry on first use', failure);
    // The children read the horizon through the same LATIGO_<SECTION>__<KEY> overrides as any setting.
    childEnv.LATIGO_SCHEDULER__CATCH_UP_HORIZON = String(demoCatchUpHorizonMs(models, Date.now(), config.scheduler));
    if (models.length > 0) sources.demo = { db, project: config.demo.project, resolutionMs: config.demo.resolutionMs, fromMs: Math.min(...models.map((m) => m.trainingRange.toMs)) };
    feed = new DemoFeed({ store: (await demoSinks(root)).store, db, config: config.demo, clock: systemClock, log: log.child({ component: 'demo-feed' }) });
  }
  if (config.logging.format === 'auto' && process.stdout.isTTY) childEnv.LATIGO_LOGGING__FORMAT = 'pretty';
  if (signal.aborted) return ExitCode.ok; // Ctrl-C during seeding or training

  const supervisor = new ProcessSupervisor({
    // The same bin, under the same Node flags (e.g. tsx when run from source), with the same configuration.
    command: [process.execPath, ...process.execArgv, process.argv[1]!, ...(config.source === undefined ? [] : ['--config', config.source])],
    env: { ...process.env, ...childEnv },
    log,
    stdout: process.stdout,
    stderr: process.stderr,
    restart: defaultRestartPolicy,
    stopTimeoutMs: config.executor.shutdownGraceMs + 10_000,
  });
  const children: ChildSpec[] = [
    { name: 'scheduler', args: ['scheduler'], env: httpPortEnv(config.http, 0) },
    ...Array.from({ length: options.executors }, (_, i) => ({
      name: `executor-${i + 1}`, args: ['executor', '--name', `executor-${i + 1}`], nodeOptions: executorNodeOptions(config.executor),
      env: httpPortEnv(config.http, i + 1),
    })),
  ];
  process.stdout.write(`[latigo] starting ${children.map((c) => c.name).join(', ')}; press Ctrl-C to stop\n`);

  const background = new AbortController();
  const feeding = feed?.start(background.signal);
  const reporting = reportProgress(sources, options.statusInterval, process.stdout, log, background.signal);
  const outcome = await supervisor.run(children, signal);
  background.abort();
  await Promise.all([feeding, reporting]);

  const final = await progressSnapshot(sources);
  process.stdout.write(`\n[latigo] stopped. ${formatProgress(final).replace('[latigo] ', '')}\n`);
  if (final.detections) process.stdout.write(`${formatDetectionSummary(final.detections)}\n`);
  if (!outcome.stopped) {
    process.stderr.write(`latigo: ${outcome.reason}\n`);
    return ExitCode.failed;
  }
  return ExitCode.ok;
}

/** With the HTTP endpoint on, the children share one host: the scheduler takes `http.port`, executor i `port + i`
 *  (port 0 leaves each child to pick a free one). */
function httpPortEnv(http: CommandContext['config']['http'], offset: number): Record<string, string> {
  return http.enabled && http.port !== 0 ? { LATIGO_HTTP__PORT: String(http.port + offset) } : {};
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
