import { Command, InvalidArgumentError, Option, type CommanderError, type OutputConfiguration } from 'commander';
import ms from 'ms';
import { collect, nonNegativeInteger, parseInstant, positiveInteger } from './cliArguments.js';
import type { GlobalOptions } from './runCommand.js';

/**
 * The `latigo` command. Only the definitions live here (names, options, argument parsers): each action
 * imports its module when it runs, so `latigo --help` and an argument error load neither the
 * configuration schema nor TypeORM, providers or metrics (test/unit/cli/programLoad.test.ts checks it).
 */
export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command('latigo')
    .description('continuous machine-learning predictions on industrial sensor data')
    .option('-c, --config <file>', 'configuration YAML (default: $LATIGO_CONFIG, then ./local_config.yaml, then built-in defaults)')
    .showHelpAfterError()
    .addCommand(startCommand())
    .addCommand(schedulerCommand())
    .addCommand(executorCommand())
    .addCommand(migrateCommand())
    .addCommand(demoCommand())
    .addCommand(backfillCommand())
    .addCommand(importCommand())
    .addCommand(replanCommand())
    .addCommand(modelsCommand())
    .addCommand(evaluateCommand())
    .addCommand(statusCommand())
    .addCommand(watchCommand())
    .addCommand(apiCommand())
    .addCommand(runsCommand())
    .addCommand(deadLettersCommand())
    .addCommand(executorsCommand())
    .addCommand(configCommand())
    .addCommand(setEnvCommand());
  const exit = options.exit ?? exitForUsage;
  for (const command of allCommands(program)) {
    command.exitOverride(exit);
    if (options.output !== undefined) command.configureOutput(options.output);
  }
  return program;
}

export interface ProgramOptions {
  /** Called instead of commander's exit; must not return (tests throw the error, the bin exits). */
  exit?: (err: CommanderError) => never;
  /** Where help and usage errors are written (default: stdout and stderr). */
  output?: OutputConfiguration;
}

/** Help and --version exit 0; a usage error (unknown option, bad number, missing argument) exits 2, as a bad configuration does. */
function exitForUsage(err: CommanderError): never {
  process.exit(usageExitCode(err));
}

export function usageExitCode(err: CommanderError): number {
  return err.exitCode === 0 ? 0 : 2;
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap((c) => allCommands(c))];
}

/** An action that loads `load()`'s module only when the command runs, and hands it the options with the globals. */
function lazy<O>(load: () => Promise<(options: O, globals: GlobalOptions) => Promise<unknown>>) {
  return async (options: O, command: Command): Promise<void> => {
    const run = await load();
    await run(options, command.optsWithGlobals<GlobalOptions>());
  };
}

function startCommand(): Command {
  return new Command('start')
    .description('run the scheduler and two executors as child processes; Ctrl-C stops them and prints a summary')
    .option('--demo', 'seed the demo plant when the store is empty, train its models, keep it live, and score the detections on exit')
    .option('--executors <n>', 'executor processes (per pool when executor.pools is set)', positiveInteger, 2)
    .option(
      '--status-interval <ms>',
      'milliseconds between progress lines (a line is printed only when it changed, and at least once a minute)',
      positiveInteger,
      5_000,
    )
    .action(lazy(async () => (await import('./startCommand.js')).runStart));
}

function schedulerCommand(): Command {
  return new Command('scheduler')
    .description('run the scheduler: queue every missing prediction window until stopped')
    .addOption(new Option('--name <name>', 'process name in logs').env('LATIGO_PROCESS_NAME').default('scheduler'))
    .action(lazy(async () => (await import('./schedulerCommand.js')).runScheduler));
}

function executorCommand(): Command {
  return new Command('executor')
    .description('run an executor: take prediction tasks from the queue until stopped')
    .addOption(
      new Option('--name <name>', 'process name in logs, leases and task runs')
        .env('LATIGO_PROCESS_NAME')
        .default(`executor-${process.pid}`, 'executor-<pid>'),
    )
    .addOption(new Option('--pool <name>', 'serve only the model kinds of this pool (executor.pools); sets executor.pool'))
    .action(lazy(async () => (await import('./executorCommand.js')).runExecutor));
}

function migrateCommand(): Command {
  return new Command('migrate')
    .description('apply pending database migrations (creates the database when it does not exist)')
    .option('--status', 'list the migrations and whether each is applied; change nothing (a missing database is an error)')
    .action(lazy(async () => (await import('./migrateCommand.js')).runMigrate));
}

function demoCommand(): Command {
  const demo = new Command('demo').description('the demo plant');
  demo
    .command('seed')
    .description('seed the demo plant (sensors with history, injected faults, one anomaly model per asset)')
    .option('--force', 'replace an existing demo')
    .action(lazy(async () => (await import('./demoCommand.js')).runDemoSeed));
  return demo;
}

function backfillCommand(): Command {
  return new Command('backfill')
    .description('queue the missing prediction windows of a past time range (resumable); executors predict them')
    .requiredOption(
      '--from <time>',
      'start of the range, ISO 8601 (e.g. 2026-01-01T00:00:00Z; UTC unless an offset is given)',
      parseInstant,
    )
    .requiredOption('--to <time>', 'end of the range (exclusive), ISO 8601; UTC unless an offset is given', parseInstant)
    .option('--model <name...>', 'only these models ("project/model" or a model name); repeatable', collect)
    .option('--wait', 'after queueing, wait until the executors have finished every window of the range, showing how many are done')
    .option(
      '--idle-warning <seconds>',
      'say that no executor seems to be running when no window has started for this long',
      positiveInteger,
      30,
    )
    .action(lazy(async () => (await import('./backfillCommand.js')).runBackfill));
}

function importCommand(): Command {
  return new Command('import')
    .description('import sensor points from CSV, Parquet or line-protocol files (resumable: the same command continues)')
    .argument('<files...>', 'files (.csv, .tsv, .parquet, .lp; .gz read through)')
    .addOption(new Option('--format <format>', 'instead of the file extension').choices(['csv', 'parquet', 'line']))
    .option('--tag-prefix <prefix>', 'put before every sensor name')
    .option('--time-column <name>', 'the time column (default: time, timestamp, datetime, date, else the first)')
    .option('--timezone <zone>', 'IANA zone of times without an offset (default UTC)')
    .option(
      '--time-format <format>',
      'auto (default), iso, epoch_s, epoch_ms, epoch_us, epoch_ns, ymd_slashed, dmy_dotted or a luxon pattern',
    )
    .option('--delimiter <char>', 'CSV delimiter (default: detected from the header)')
    .option('--precision <unit>', 'line protocol: unit of the timestamps, n (default), u, ms, s, m or h')
    .option('--restart', 'import again from the start, even a file imported before')
    .option('--labels-out <file>', 'write the intervals of label columns (ingest.label_columns) as JSON')
    .action(async (files: string[], options: object, command: Command) => {
      await (await import('./importCommand.js')).runImport(files, options, command.optsWithGlobals<GlobalOptions>());
    });
}

function replanCommand(): Command {
  return new Command('replan')
    .description('queue the windows of the catch-up horizon under the current schedule, even where an earlier schedule covered them')
    .action(lazy(async () => (await import('./replanCommand.js')).runReplan));
}

function evaluateCommand(): Command {
  return new Command('evaluate')
    .description('score a model\'s stored predictions against its labels, with a threshold backtest (README "Evaluating a model")')
    .requiredOption('--model <project/name>', 'the model')
    .option('--label-tag <tag>', 'a 0/1 tag holding labels (e.g. an imported anomaly column), besides POST .../labels')
    .option('--labels <file>', 'labelled intervals as written by `latigo import --labels-out`, besides POST .../labels')
    .option('--from <time>', 'only predictions from this time (ISO 8601)', parseInstant)
    .option('--to <time>', 'only predictions before this time (ISO 8601)', parseInstant)
    .option('--grace <seconds>', 'flags this long after a labelled interval still count for it', positiveInteger)
    .option('--min-run <n>', 'consecutive flags that detect an interval (default 1)', positiveInteger)
    .option('--json', 'print JSON')
    .action(lazy(async () => (await import('./modelDefinitionCommands.js')).runEvaluate));
}

function modelsCommand(): Command {
  const models = new Command('models').description('list or train the configured models');
  models
    .command('list')
    .description('every model: project, name, revision, and whether it is trained (a missing database is an error)')
    .option('--json', 'print one JSON array')
    .action(lazy(async () => (await import('./modelsCommand.js')).runModelsList));
  models
    .command('train')
    .description('train the models that are not trained yet')
    .option('--model <name...>', 'only these models ("project/model" or a model name); repeatable', collect)
    .option('--force', 'train again the models that are already trained')
    .action(lazy(async () => (await import('./modelsCommand.js')).runModelsTrain));
  models
    .command('define')
    .description('define (or redefine) models from YAML/JSON files or from flags, then train them (README "Defining models")')
    .argument('[file...]', 'definition files: one definition, a list, or models: [...]')
    .option('--project <name>', 'project of the model defined by flags', 'default')
    .option('--name <name>', 'name of the model defined by flags')
    .option('--tags <a,b,c>', 'input tags, comma-separated')
    .option('--kind <kind>', 'model kind (default pca)')
    .option('--resolution <duration>', 'row step, at least 1s (e.g. 1s, 10s, 1m; default 10s)')
    .option('--first-rows <n>', "train on the first n rows of the tags' data", positiveInteger)
    .option('--first-hours <n>', "train on the first n hours of the tags' data", positiveInteger)
    .option('--train-from <time>', 'training range start (ISO 8601)')
    .option('--train-to <time>', 'training range end (ISO 8601)')
    .option('--trigger <type>', 'schedule (default) or data')
    .option('--interval <duration>', "window length of the model's own trigger")
    .option('--delay <duration>', 'trigger schedule: run a window this long after it ends')
    .option('--min-new-points <n>', 'trigger data: run once this many new points arrived', positiveInteger)
    .option('--max-wait <duration>', 'trigger data: run a window on what is there after this long')
    .option('--parameters <json>', 'kind parameters as JSON, e.g. {"confidence":0.995}')
    .option('--no-train', 'save only; the executors train the new revision on its first window')
    .action(async (files: string[], _options: unknown, command: Command) => {
      const { runModelsDefine } = await import('./modelDefinitionCommands.js');
      await runModelsDefine(files, command.opts(), command.optsWithGlobals<GlobalOptions>());
    });
  models
    .command('summary')
    .description('the precomputed summary of a model: windows, coverage, anomaly rate, episodes, score quantiles, tag ranking')
    .requiredOption('--model <project/name>', 'the model')
    .option('--json', 'print JSON')
    .action(lazy(async () => (await import('./modelDefinitionCommands.js')).runModelsSummary));
  return models;
}

function statusCommand(): Command {
  return new Command('status')
    .description(
      'queue depth, windows by state and error class, stored predictions and the latest anomalies (a missing database is an error)',
    )
    .option('--json', 'print one JSON object')
    .option('--anomalies <n>', 'latest anomalies to show (a positive whole number)', positiveInteger, 10)
    .action(lazy(async () => (await import('./statusCommand.js')).runStatus));
}

function watchCommand(): Command {
  return new Command('watch')
    .description("print the live feed's events (windows, predictions, anomalies, episodes) as they happen, until Ctrl-C")
    .option('--model <project/model...>', 'only these models; repeatable (default every model)', collect)
    .option('--events <types>', 'comma-separated: window, prediction, anomaly, episode (default all)')
    .option('--url <url>', 'the live feed (default ws://<api.address>:<api.port>/ws)')
    .addOption(new Option('--token <token>', 'a token of api.tokens').env('LATIGO_API_TOKEN'))
    .option(
      '--since <id>',
      'start after this event id (what a previous watch printed as #id; 0: everything the outbox still holds)',
      nonNegativeInteger,
    )
    .option('--json', 'print each event as one JSON line')
    .action(lazy(async () => (await import('./watchCommand.js')).runWatch));
}

function configCommand(): Command {
  const config = new Command('config').description('the configuration this process would run with');
  config
    .command('show')
    .description('each key that is set, with its value and where it came from (file, LATIGO_* variable, ${ENV}); secrets masked')
    .option('--effective', 'every key, defaults included')
    .option('--json', 'print one JSON array')
    .action(lazy(async () => (await import('./configCommand.js')).runConfigShow));
  return config;
}

function setEnvCommand(): Command {
  return new Command('set-env')
    .description('turn local_config.yaml into LATIGO_* environment variables: eval "$(latigo set-env)", or --dotenv for docker compose')
    .option('--dotenv [file]', 'write the variables to a .env file (default: .env) instead of printing them')
    .option('--show-secrets', 'print secret values on a terminal too (they are masked there otherwise)')
    .action(lazy(async () => (await import('./setEnvCommand.js')).runSetEnv));
}

function apiCommand(): Command {
  return new Command('api')
    .description('serve the HTTP service API (OpenAPI docs at /api/docs) until stopped')
    .addOption(new Option('--name <name>', 'process name in logs and the process list').env('LATIGO_PROCESS_NAME').default('api'))
    .action(lazy(async () => (await import('./apiCommand.js')).runApi));
}

function runsCommand(): Command {
  const runs = new Command('runs').description('on-demand runs: predict the windows of a range now (works without the api process)');
  runs
    .command('create')
    .description('queue the windows of <project/model> in a range (new ones, and failed, insufficient-data or dead ones again)')
    .argument('<model>', 'project/model')
    .option('--from <time>', 'start of the range, ISO 8601', parseInstant)
    .option('--to <time>', 'end of the range (exclusive), ISO 8601', parseInstant)
    .option('--last <duration>', 'instead of --from/--to: the range ending now, e.g. 2h', positiveDuration)
    .option('--rerun', 'recompute windows that already succeeded (their predictions are replaced)')
    .option('--meta <json>', 'JSON kept with the run', jsonValue)
    .option('--json', 'print the run as JSON')
    .action(async (model: string, options: object, command: Command) => {
      await (await import('./runsCommand.js')).runRunsCreate(model, options, command.optsWithGlobals<GlobalOptions>());
    });
  runs
    .command('show')
    .description("a run's windows by state")
    .argument('<id>', 'run id')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await (await import('./runsCommand.js')).runRunsShow(id, options, command.optsWithGlobals<GlobalOptions>());
    });
  return runs;
}

function deadLettersCommand(): Command {
  const dead = new Command('dead-letters').description("the task queue's dead letters: list them, deliver them again");
  dead
    .command('list')
    .description('dead letters, newest first, with reason and error class')
    .option('--limit <n>', 'most to show', positiveInteger, 50)
    .option('--json', 'print JSON lines')
    .action(lazy(async () => (await import('./deadLettersCommand.js')).runDeadLettersList));
  dead
    .command('redrive')
    .description('deliver dead letters again and make their windows runnable: the given ids, --reason <text>, or --all')
    .argument('[ids...]', 'message ids')
    .option('--reason <text>', 'those whose reason contains this text')
    .option('--all', 'every dead letter')
    .action(async (ids: string[], options: { reason?: string; all?: boolean }, command: Command) => {
      await (await import('./deadLettersCommand.js')).runDeadLettersRedrive(ids, options, command.optsWithGlobals<GlobalOptions>());
    });
  return dead;
}

function executorsCommand(): Command {
  return new Command('executors')
    .description('scheduler, executor and api processes with their heartbeats and counters (live, or lost after api.lost_after)')
    .option('--json', 'print JSON lines')
    .action(lazy(async () => (await import('./executorsCommand.js')).runExecutors));
}

function positiveDuration(value: string): number {
  const parsed = ms(value as ms.StringValue) as number | undefined;
  if (typeof parsed !== 'number' || !(parsed > 0)) throw new InvalidArgumentError('expected a duration such as 30m or 2h');
  return parsed;
}

function jsonValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected JSON');
  }
}
