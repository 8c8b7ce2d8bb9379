import type { Container } from 'inversify';
import type { AppConfig } from '../config/AppConfig.js';
import { loadConfig } from '../config/loadConfig.js';
import { configProvenance } from '../config/provenance.js';
import { buildContainer, sectionsByRole, type ProcessRole } from '../composition/container.js';
import { CredentialStore, findCredentialConfigs, verifyCredentials } from '../credentials/index.js';
import { providerCatalog } from '../composition/registry.js';
import { Database } from '../persistence/dataSource.js';
import { MAX_PROCESS_NAME_LENGTH, nameLengthProblem } from '../domain/limits.js';
import { ConfigError, describeError, isConfigError } from '../runtime/errors.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { redeliverEarlySignals } from './earlySignals.js';
import { barAwareStream } from './progress.js';
import { DeferredLogger, installStopSignal } from './stopSignal.js';

/** Options every command accepts (set on the root program). */
export interface GlobalOptions {
  config?: string;
}

/** Exit codes of the `latigo` command. */
export const ExitCode = { ok: 0, failed: 1, invalidConfig: 2 } as const;

/** What a command's action receives: the validated configuration, its logger and containers. */
export class CommandContext {
  private readonly openedDatabases: Database[] = [];

  constructor(
    readonly config: AppConfig,
    readonly log: Logger,
    readonly processName: string,
    /** Fires on SIGINT/SIGTERM for commands run with `stoppable`; never for the others. */
    readonly stopSignal: AbortSignal,
  ) {}

  /** Token sources by credential block: the start-up check's tokens stay cached for the providers. */
  private readonly credentials = new CredentialStore();

  /** The composition root for `role`; databases it opens are closed when the command ends. */
  readonly container = (role: ProcessRole, options: { migrate?: boolean; mustExist?: boolean } = {}): Container => {
    const container = buildContainer(this.config, role, this.log, {
      processName: this.processName,
      credentials: this.credentials,
      ...options,
    });
    container.onActivation(Database, (_context, db: Database) => {
      this.openedDatabases.push(db);
      return db;
    });
    return container;
  };

  /**
   * Start-up check: every credential configured in `role`'s provider sections obtains a token; one error
   * names every section that cannot (exit 1). The tokens stay cached for the providers.
   */
  async checkCredentials(role: ProcessRole): Promise<void> {
    const sections = sectionsByRole[role].map((section) => this.config.providers[section].config);
    await verifyCredentials(findCredentialConfigs(sections), this.credentials, this.log, this.stopSignal);
  }

  async close(): Promise<void> {
    for (const db of this.openedDatabases.splice(0)) {
      try {
        await db.close();
      } catch (err) {
        this.log.warn('closing the database failed', { error: describeError(err) });
      }
    }
  }
}

export interface RunOptions {
  /** `process` on every log line, e.g. `executor-1`. */
  processName: string;
  /** Long-running roles log to stdout; one-shot commands to stderr so stdout carries only their output. */
  logTo: 'stdout' | 'stderr';
  /**
   * Long-running commands stop gracefully on SIGINT/SIGTERM (see `CommandContext.stopSignal`); the
   * handlers are installed before anything else, so a signal during start-up is not lost. Other
   * commands keep the default: a signal ends them at once.
   */
  stoppable?: boolean;
}

/**
 * Runs one command: configuration first (a ConfigError exits 2 before anything is opened or created),
 * then the action; any other error prints one line and exits 1. Exits the process with the action's code.
 */
export async function runCommand(
  globals: GlobalOptions,
  options: RunOptions,
  action: (context: CommandContext) => Promise<number | void>,
): Promise<never> {
  let code: number;
  let context: CommandContext | undefined;
  const early = new DeferredLogger();
  const stopSignal = options.stoppable ? installStopSignal(early) : new AbortController().signal;
  redeliverEarlySignals();
  try {
    // The name goes into task_run.executor, leases and the ledger's runner column: one that does not fit
    // used to leave an executor idling forever on PostgreSQL.
    const nameProblem = nameLengthProblem(options.processName, MAX_PROCESS_NAME_LENGTH);
    if (nameProblem !== undefined) throw new ConfigError('--name', `the process name is ${nameProblem}`);
    const config = await loadConfig({ ...(globals.config === undefined ? {} : { file: globals.config }), catalog: providerCatalog });
    const log = createLogger({
      ...config.logging,
      base: { process: options.processName },
      // Log records go above a progress bar, never onto its line.
      destination: barAwareStream(options.logTo === 'stdout' ? process.stdout : process.stderr),
    });
    early.attach(log);
    warnAboutShadowedFileValues(config, log);
    context = new CommandContext(config, log, options.processName, stopSignal);
    code = (await action(context)) ?? ExitCode.ok;
  } catch (err) {
    code = reportFatal(err);
  } finally {
    await context?.close();
  }
  process.exit(code);
}

/**
 * Once per process: a `LATIGO_*` variable (e.g. left over from `eval "$(latigo set-env)"`) that replaces a
 * different value of the file wins silently otherwise, and later edits of the file seem to have no effect.
 * Children of `latigo start` inherit the variables and stay quiet: their parent said it.
 */
function warnAboutShadowedFileValues(config: AppConfig, log: Logger): void {
  if (config.source === undefined || typeof process.send === 'function') return;
  for (const s of configProvenance({ file: config.source, env: process.env }).shadowed) {
    log.warn('environment variable overrides the configuration file', { key: s.path, variable: s.variable, file: config.source });
  }
}

/** One line on stderr, no stack trace; returns the exit code for the error. */
export function reportFatal(err: unknown): number {
  if (isConfigError(err)) {
    process.stderr.write(`latigo: ${err.message}\n`);
    return ExitCode.invalidConfig;
  }
  process.stderr.write(`latigo: ${describeError(err)}\n`);
  return ExitCode.failed;
}
