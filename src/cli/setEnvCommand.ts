import { chmodSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { interpolateEnv, loadConfig, readYaml } from '../config/loadConfig.js';
import { providerCatalog } from '../composition/registry.js';
import { configToEnvironment, formatDotenv, formatExports } from './setEnv.js';
import { ExitCode, reportFatal, type GlobalOptions } from './runCommand.js';

const LOCAL_CONFIG = 'local_config.yaml';
const EXAMPLE_CONFIG = 'local_config.example.yaml';

interface SetEnvOptions {
  dotenv?: string | true;
  showSecrets?: boolean;
}

/**
 * `latigo set-env` (also `npx tsx set-env.ts`): local_config.yaml -> environment variables.
 * First run: creates local_config.yaml from the example and says what to fill in. Later runs: validate it
 * as the service does, then print `export LATIGO_...='...'` lines for `eval "$(latigo set-env)"`, or with
 * `--dotenv` write them to `.env` for docker compose. Secrets are masked when stdout is a terminal.
 */
export function setEnvCommand(): Command {
  return new Command('set-env')
    .description('turn local_config.yaml into LATIGO_* environment variables: eval "$(latigo set-env)", or --dotenv for docker compose')
    .option('--dotenv [file]', 'write the variables to a .env file (default: .env) instead of printing them')
    .option('--show-secrets', 'print secret values on a terminal too (they are masked there otherwise)')
    .action((options: SetEnvOptions, command: Command) => setEnv(options, command.optsWithGlobals<GlobalOptions>()).then(
      (code) => process.exit(code),
      (err: unknown) => process.exit(reportFatal(err)),
    ));
}

async function setEnv(options: SetEnvOptions, globals: GlobalOptions): Promise<number> {
  const file = resolve(globals.config ?? LOCAL_CONFIG);
  if (!existsSync(file)) return createFromExample(file);

  // Only `${NAME}` references come from the environment: variables from an earlier `eval` must not
  // override the file that is being turned into them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LATIGO_')));
  await loadConfig({ file, env, catalog: providerCatalog }); // throws ConfigError naming the key
  const variables = configToEnvironment(interpolateEnv(readYaml(file), env, '') as Record<string, unknown>);

  if (options.dotenv !== undefined) {
    const target = resolve(options.dotenv === true ? '.env' : options.dotenv);
    writeFileSync(target, formatDotenv(variables, file), { mode: 0o600 });
    chmodSync(target, 0o600); // an existing file keeps its mode on write
    process.stderr.write(`latigo: wrote ${variables.length} variables from ${file} to ${target}\n`);
    return ExitCode.ok;
  }
  const reveal = options.showSecrets === true || !process.stdout.isTTY;
  process.stdout.write(formatExports(variables, { reveal }));
  if (!reveal && variables.some((v) => v.secret)) {
    process.stderr.write('latigo: secret values are shown as ***; eval "$(latigo set-env)" exports the real ones (or add --show-secrets)\n');
  }
  return ExitCode.ok;
}

function createFromExample(file: string): number {
  const example = findExample();
  if (example === undefined) {
    process.stderr.write(`latigo: ${file} does not exist, and no ${EXAMPLE_CONFIG} was found to create it from\n`);
    return ExitCode.invalidConfig;
  }
  copyFileSync(example, file);
  chmodSync(file, 0o600); // it is where local secrets go
  process.stderr.write([
    `latigo: created ${file} from ${example}.`,
    'Fill it in, then run this again to check it and export it (eval "$(latigo set-env)", or --dotenv for docker compose):',
    '  - database.url: SQLite (the default) on one host; postgres://user:${PGPASSWORD}@host:5432/latigo for several hosts',
    '  - task_queue, model_info, predictor, sensor_data, prediction_storage: each provider\'s `type` and its keys',
    '  - http.enabled: true to serve /healthz, /readyz and /metrics',
    '  - secrets (passwords, tokens, connection strings): here, or as ${NAME} taken from the environment',
    'Every key is optional; the file shows each one with its default.',
    '',
  ].join('\n'));
  return ExitCode.ok;
}

/** The example in the working directory, else the one shipped with latigo (the package root, above src/ or dist/src/). */
function findExample(): string | undefined {
  if (existsSync(EXAMPLE_CONFIG)) return resolve(EXAMPLE_CONFIG);
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, EXAMPLE_CONFIG))) return join(dir, EXAMPLE_CONFIG);
  }
  return undefined;
}
