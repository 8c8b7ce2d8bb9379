import { WindowLedgerToken } from '../composition/container.js';
import { PredictionReader } from '../contracts/PredictionReader.js';
import type { WindowLedger } from '../ledger/WindowLedger.js';
import { Database } from '../persistence/dataSource.js';
import { systemClock } from '../runtime/clock.js';
import { DemoFeed } from '../demo/index.js';
import { ModelInformationProvider } from '../contracts/ModelInformationProvider.js';
import { createSchedule } from '../scheduler/ticks.js';
import { describeError } from '../runtime/errors.js';
import type { Container } from 'inversify';
import { demoCatchUpHorizonMs, demoModels, demoSinks, seedDemoWithProgress, trainDemoModels } from './demoSetup.js';
import { executorNodeOptions } from './heapLimit.js';
import { PoisonWindows } from './PoisonWindows.js';
import { barAwareStream } from './progress.js';
import { defaultRestartPolicy, ProcessSupervisor, type ChildSpec } from './processSupervisor.js';
import { ExitCode, runCommand, type CommandContext, type GlobalOptions } from './runCommand.js';
import { progressSnapshot, reportProgress, type ProgressSources } from './startStatus.js';
import { formatNextTick, nextTick, startupLines, summaryLines } from './startReport.js';
import { listAllModels } from '../scheduler/listModels.js';
import { silentLogger } from '../runtime/logger.js';

interface StartOptions {
  demo?: boolean;
  executors: number;
  statusInterval: number;
}

/**
 * `latigo start [--demo]`: the scheduler and two executors (two per pool with `executor.pools`) as child processes of this one, each with
 * its output prefixed by its name. Ctrl-C (SIGINT) or SIGTERM stops them gracefully and prints a summary.
 * A child that dies is restarted with backoff; one that keeps dying stops everything with exit code 1.
 */
export async function runStart(options: StartOptions, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'latigo', logTo: 'stdout', stoppable: true }, (context) => start(context, options));
}

async function start(context: CommandContext, options: StartOptions): Promise<number> {
  const { config, log, stopSignal: signal } = context;
  ignoreClosedPipes();
  let modelCount: number | undefined;
  const root = context.container('admin');
  const db = await root.getAsync<Database>(Database); // applies pending migrations once, before the children start
  const childEnv: Record<string, string> = {};
  const ledger = await root.getAsync<WindowLedger>(WindowLedgerToken);
  const sources: ProgressSources = {
    ledger,
    ...(root.isBound(PredictionReader) ? { reader: await root.getAsync(PredictionReader) } : {}),
  };
  let feed: DemoFeed | undefined;

  if (options.demo) {
    const seeded = await seedDemoWithProgress(root, config.demo, log);
    if (seeded.seeded)
      process.stdout.write(
        `[latigo] seeded the demo plant: ${seeded.plant.assets.length} assets, ${seeded.points} points, ${seeded.plant.faults.length} injected faults\n`,
      );
    const models = await demoModels(root, config.demo);
    modelCount = models.length;
    const training = await trainDemoModels(root, models, signal).catch((err: unknown) => {
      if (signal.aborted) return undefined; // Ctrl-C while training: stop without starting anything
      throw err;
    });
    if (training === undefined) return ExitCode.ok;
    for (const failure of training.failed) log.warn('demo model not trained; executors will retry on first use', failure);
    // The children read the horizon through the same LATIGO_<SECTION>__<KEY> overrides as any setting.
    childEnv.LATIGO_SCHEDULER__CATCH_UP_HORIZON = String(demoCatchUpHorizonMs(models, Date.now(), config.scheduler));
    if (models.length > 0)
      sources.demo = {
        db,
        project: config.demo.project,
        resolutionMs: config.demo.resolutionMs,
        fromMs: Math.min(...models.map((m) => m.trainingRange.toMs)),
      };
    feed = new DemoFeed({
      store: (await demoSinks(root)).store,
      db,
      config: config.demo,
      clock: systemClock,
      log: log.child({ component: 'demo-feed' }),
    });
  }
  if (config.logging.format === 'auto' && process.stdout.isTTY) childEnv.LATIGO_LOGGING__FORMAT = 'pretty';
  if (signal.aborted) return ExitCode.ok; // Ctrl-C during seeding or training

  const poison = new PoisonWindows(ledger, config.executor.poisonWindowCrashes, systemClock);
  const supervisor = new ProcessSupervisor({
    // The same bin, under the same Node flags (e.g. tsx when run from source), with the same configuration.
    command: [process.execPath, ...process.execArgv, process.argv[1]!, ...(config.source === undefined ? [] : ['--config', config.source])],
    env: { ...process.env, ...childEnv },
    log,
    stdout: barAwareStream(process.stdout),
    stderr: barAwareStream(process.stderr),
    restart: defaultRestartPolicy,
    stopTimeoutMs: config.executor.shutdownGraceMs + 10_000,
    // An executor that died names the windows it held; one that keeps killing executors is recorded dead.
    describeDeath: (name) => (name.startsWith('executor-') ? poison.onDeath(name) : Promise.resolve({})),
  });
  const children: ChildSpec[] = [
    { name: 'scheduler', args: ['scheduler'], env: httpPortEnv(config.http, 0) },
    ...executorNames(Object.keys(config.executor.pools), options.executors).map(({ name, pool }, i) => ({
      name,
      args: ['executor', '--name', name, ...(pool === undefined ? [] : ['--pool', pool])],
      nodeOptions: executorNodeOptions(config.executor),
      env: httpPortEnv(config.http, i + 1),
    })),
    { name: 'api', args: ['api'] },
  ];
  const models = modelCount ?? (await countModels(root));
  const schedule = createSchedule(config.scheduler);
  for (const line of startupLines({
    children: children.map((c) => c.name),
    databaseUrl: config.database.url,
    logLevel: config.logging.level,
    statusIntervalMs: options.statusInterval,
  }))
    process.stdout.write(`${line}\n`);

  const background = new AbortController();
  const feeding = feed?.start(background.signal);
  const next = models === undefined ? undefined : () => formatNextTick(nextTick(schedule, models, Date.now()));
  const reporting = reportProgress(sources, options.statusInterval, process.stdout, log, background.signal, undefined, next);
  // The summary goes out as soon as the stop is asked for, while the children drain: when the output is a
  // pipe whose reader Ctrl-C ends as well (`npm start | tee log`), an early write is the one that can still land.
  const summaryOnStop = new Promise<boolean>((resolve) => {
    signal.addEventListener(
      'abort',
      () => {
        progressSnapshot(sources)
          .then(
            (snapshot) => writeLines(summaryLines('stopping', snapshot, { detections: true })),
            (err: unknown) => log.warn('progress report failed', { error: describeError(err) }),
          )
          .then(
            () => resolve(true),
            () => resolve(false),
          );
      },
      { once: true },
    );
  });
  const outcome = await supervisor.run(children, signal);
  background.abort();
  await Promise.all([feeding, reporting]);

  const final = await progressSnapshot(sources);
  const summarized = signal.aborted && (await summaryOnStop);
  writeLines(['', ...summaryLines('stopped', final, { detections: !summarized })]);
  if (!outcome.stopped) {
    process.stderr.write(`latigo: ${outcome.reason}\n`);
    return ExitCode.failed;
  }
  return ExitCode.ok;
}

function writeLines(lines: readonly string[]): void {
  for (const line of lines) process.stdout.write(`${line}\n`);
}

/** How many models the scheduler plans windows for, for the progress line; undefined when the catalogue cannot say now. */
async function countModels(root: Container): Promise<number | undefined> {
  try {
    return (await listAllModels(await root.getAsync(ModelInformationProvider), silentLogger, { strict: true })).models.length;
  } catch {
    return undefined; // the scheduler reports catalogue failures itself
  }
}

/**
 * A reader that went away (`| head`, or `| tee` ended by the same Ctrl-C) must not crash the parent
 * while it still has children to stop: writes to a closed pipe are dropped.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

/** With the HTTP endpoint on, the children share one host: the scheduler takes `http.port`, executor i `port + i`
 *  (port 0 leaves each child to pick a free one). */
/**
 * The executors `latigo start` runs: `count` of them (`executor-1`, …), or with `executor.pools` configured
 * `count` per pool (`executor-heavy-1`, …, each started with `--pool`), so every kind has an executor.
 */
export function executorNames(pools: readonly string[], count: number): { name: string; pool?: string }[] {
  if (pools.length === 0) return Array.from({ length: count }, (_, i) => ({ name: `executor-${i + 1}` }));
  return pools.flatMap((pool) => Array.from({ length: count }, (_, i) => ({ name: `executor-${pool}-${i + 1}`, pool })));
}

function httpPortEnv(http: CommandContext['config']['http'], offset: number): Record<string, string> {
  return http.enabled && http.port !== 0 ? { LATIGO_HTTP__PORT: String(http.port + offset) } : {};
}
