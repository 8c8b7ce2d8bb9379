import { chmodSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interpolateEnv, loadConfig, readYaml } from '../config/loadConfig.js';
import { configProvenance } from '../config/provenance.js';
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
export async function runSetEnv(options: SetEnvOptions, globals: GlobalOptions): Promise<never> {
  return setEnv(options, globals).then(
    (code) => process.exit(code),
    (err: unknown) => process.exit(reportFatal(err)),
  );
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
  warnAboutStaleVariables(file);
  const reveal = options.showSecrets === true || !process.stdout.isTTY;
  process.stdout.write(formatExports(variables, { reveal }));
  if (!reveal && variables.some((v) => v.secret)) {
    process.stderr.write(
      'latigo: secret values are shown as ***; eval "$(latigo set-env)" exports the real ones (or add --show-secrets)\n',
    );
  }
  return ExitCode.ok;
}

/**
 * The printed values are the file's; variables already in this shell (an earlier eval) still override them
 * until the output is eval'ed again: say which keys differ now, so the edit does not seem lost.
 */
function warnAboutStaleVariables(file: string): void {
  for (const s of configProvenance({ file, env: process.env }).shadowed) {
    process.stderr.write(`latigo: ${s.variable} in this environment overrides ${s.path} from ${file} until you eval the output again\n`);
  }
}

function createFromExample(file: string): number {
  const example = findExample();
  if (example === undefined) {
    process.stderr.write(`latigo: ${file} does not exist, and no ${EXAMPLE_CONFIG} was found to create it from\n`);
    return ExitCode.invalidConfig;
  }
  copyFileSync(example, file);
  chmodSync(file, 0o600); // it is where local secrets go
  process.stderr.write(
    [
      `latigo: created ${file} from ${example}.`,
      'Fill it in, then run this again to check it and export it: eval "$(npx latigo set-env)" in this folder',
      '(eval "$(latigo set-env)" where latigo is on PATH), or --dotenv for docker compose:',
      '  - database.url: SQLite (the default) on one host; postgres://user:${PGPASSWORD}@host:5432/latigo for several hosts',
      "  - task_queue, model_info, predictor, sensor_data, prediction_storage: each provider's `type` and its keys",
      '  - http.enabled: true to serve /healthz, /readyz and /metrics',
      '  - secrets (passwords, tokens, connection strings): here, or as ${NAME} taken from the environment',
      'Every key is optional; the file shows each one with its default.',
      '',
    ].join('\n'),
  );
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
