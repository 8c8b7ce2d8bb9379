import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../runtime/logger.js';
import { SIGNALS_READY } from './earlySignals.js';
import { ExitCode } from './runCommand.js';
import { retryDelayMs } from '../runtime/retry.js';

/** One child of `latigo start`: its name (log prefix and LATIGO_PROCESS_NAME) and its CLI arguments. */
export interface ChildSpec {
  readonly name: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Options for the node executable itself, e.g. `--max-old-space-size=128`. */
  readonly nodeOptions?: readonly string[];
}

export interface RestartPolicy {
  /** Wait before the first restart; doubles (jittered, src/runtime/retry.ts) per consecutive quick failure up to `maximumDelayMs`. */
  readonly initialDelayMs: number;
  readonly maximumDelayMs: number;
  /** A child that ran at least this long before dying counts as healthy: its backoff starts over. */
  readonly stableAfterMs: number;
  /**
   * Consecutive quick deaths of one child after which the supervisor gives up, when the child exits with
   * code 2 (its configuration is invalid: a restart cannot help). Any other crash loop (out of memory, a
   * window that crashes its executor) is restarted for ever, after `crashLoopDelayMs` between tries.
   */
  readonly maximumQuickFailures: number;
  /** The longer wait between restarts once a child has died `maximumQuickFailures` times in a row. */
  readonly crashLoopDelayMs: number;
}

export interface SupervisorOptions {
  /** Executable and leading arguments, e.g. `[process.execPath, '/path/to/cli.js', '--config', file]`. */
  readonly command: readonly [string, ...string[]];
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly restart: RestartPolicy;
  /** After SIGTERM, how long a child may take to drain before it is killed. */
  readonly stopTimeoutMs: number;
  /** What the child was doing when it died (e.g. the windows an executor held), for the crash's log line. */
  readonly describeDeath?: (name: string) => Promise<Record<string, unknown>>;
}

export type SupervisorOutcome = { stopped: true } | { stopped: false; reason: string };

export const defaultRestartPolicy: RestartPolicy = {
  initialDelayMs: 1_000,
  maximumDelayMs: 30_000,
  stableAfterMs: 60_000,
  maximumQuickFailures: 5,
  crashLoopDelayMs: 300_000,
};

interface Running {
  readonly spec: ChildSpec;
  child: ChildProcess;
  startedAt: number;
  quickFailures: number;
  exited: Promise<void>;
  /** Resolves once the child handles SIGTERM gracefully (or has exited). */
  ready: Promise<void>;
}

/**
 * Runs child processes, prefixes their output with `[name]`, restarts a child that dies with
 * exponential backoff (a longer wait once it keeps dying), and gives up (stopping the others) only when one
 * keeps exiting with an invalid configuration. Stopping is grace then
 * force: SIGTERM to every child, wait for each to drain and exit, SIGKILL after `stopTimeoutMs`.
 */
export class ProcessSupervisor {
  private readonly running = new Map<string, Running>();
  private stopping = false;
  /** Cancels restarts still waiting out their backoff when the supervisor stops. */
  private readonly pendingRestarts = new AbortController();
  private giveUp: ((reason: string) => void) | undefined;

  constructor(private readonly options: SupervisorOptions) {}

  /** Starts `specs` and resolves once `signal` fires and all children exited, or a child kept dying. */
  async run(specs: readonly ChildSpec[], signal: AbortSignal): Promise<SupervisorOutcome> {
    const gaveUp = new Promise<string>((resolve) => {
      this.giveUp = resolve;
    });
    for (const spec of specs) this.launch(spec, 0);
    const aborted = signal.aborted ? Promise.resolve() : once(signal, 'abort').then(() => undefined);
    const reason = await Promise.race([aborted.then(() => undefined), gaveUp]);
    await this.stopAll();
    return reason === undefined ? { stopped: true } : { stopped: false, reason };
  }

  private launch(spec: ChildSpec, quickFailures: number): void {
    const [executable, ...leading] = this.options.command;
    const child = spawn(executable, [...(spec.nodeOptions ?? []), ...leading, ...spec.args], {
      env: { ...this.options.env, ...spec.env, LATIGO_PROCESS_NAME: spec.name },
      // Own process group: a terminal's Ctrl-C reaches only the supervisor, which then stops the
      // children in order (a second signal to a child would force it to exit mid-task).
      detached: true,
      // The IPC channel tells the child when the supervisor is gone (see stopSignal.ts).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.prefixLines(child.stdout!, spec.name, this.options.stdout);
    this.prefixLines(child.stderr!, spec.name, this.options.stderr);
    const running: Running = { spec, child, startedAt: Date.now(), quickFailures, exited: Promise.resolve(), ready: Promise.resolve() };
    running.exited = new Promise((resolve) => {
      child.once('error', (err) => {
        this.options.log.error('child process failed to start', { child: spec.name, error: err.message });
      });
      child.once('close', (code, signal) => {
        resolve();
        this.onExit(running, code, signal);
      });
    });
    running.ready = Promise.race([
      running.exited,
      new Promise<void>((resolve) =>
        child.on('message', (message) => {
          if (message === SIGNALS_READY) resolve();
        }),
      ),
    ]);
    this.running.set(spec.name, running);
    this.options.log.info('child process started', { child: spec.name, pid: child.pid });
  }

  private onExit(running: Running, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.running.get(running.spec.name) === running) this.running.delete(running.spec.name);
    const { name } = running.spec;
    if (this.stopping) {
      this.options.log.info('child process exited', { child: name, code, signal });
      return;
    }
    const uptimeMs = Date.now() - running.startedAt;
    const quickFailures = uptimeMs >= this.options.restart.stableAfterMs ? 1 : running.quickFailures + 1;
    const looping = quickFailures > this.options.restart.maximumQuickFailures;
    if (looping && code === ExitCode.invalidConfig) {
      const reason = `${name} exited ${quickFailures} times in a row within ${this.options.restart.stableAfterMs} ms of starting (last: ${exitText(code, signal)})`;
      this.options.log.error('child process keeps dying; giving up', { child: name, code, signal, quickFailures });
      this.giveUp?.(reason);
      return;
    }
    const { initialDelayMs, maximumDelayMs, crashLoopDelayMs } = this.options.restart;
    // A crash loop backs off harder instead of stopping the service: the other children keep working, and
    // a window that crashes its executor is dead-lettered by the queue once its attempts run out.
    const delayMs = looping
      ? crashLoopDelayMs
      : retryDelayMs(
          { initialIntervalMs: initialDelayMs, backoffCoefficient: 2, maximumIntervalMs: maximumDelayMs, maximumAttempts: Infinity },
          quickFailures,
        );
    const report = (held: Record<string, unknown>) =>
      this.options.log.error(
        looping ? 'child process keeps dying; restarting after a longer wait' : 'child process exited unexpectedly; restarting',
        { child: name, code, signal, uptimeMs, quickFailures, restartInMs: delayMs, ...held },
      );
    (this.options.describeDeath?.(name) ?? Promise.resolve({})).then(report, () => report({}));
    sleep(delayMs, undefined, { signal: this.pendingRestarts.signal }).then(
      () => this.launch(running.spec, quickFailures),
      () => {
        /* stopping: no restart */
      },
    );
  }

  private async stopAll(): Promise<void> {
    this.stopping = true;
    this.pendingRestarts.abort();
    await Promise.all([...this.running.values()].map((r) => this.stop(r)));
  }

  /** SIGTERM once the child can handle it (a child still loading would die of it), SIGKILL after the timeout. */
  private async stop(r: Running): Promise<void> {
    const timeout = sleep(this.options.stopTimeoutMs, 'timeout' as const, { ref: false });
    await Promise.race([r.ready, timeout]);
    signalChild(r.child, 'SIGTERM');
    if ((await Promise.race([r.exited.then(() => 'exited' as const), timeout])) === 'timeout') {
      this.options.log.warn('child process did not stop in time; killing it', {
        child: r.spec.name,
        timeoutMs: this.options.stopTimeoutMs,
      });
      signalChild(r.child, 'SIGKILL');
      await r.exited;
    }
  }

  private prefixLines(input: NodeJS.ReadableStream, name: string, output: NodeJS.WritableStream): void {
    const lines = createInterface({ input, crlfDelay: Infinity });
    lines.on('line', (line) => output.write(`[${name}] ${line}\n`));
  }
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    child.kill(signal);
  } catch {
    // Already gone between the check and the kill.
  }
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `signal ${signal}` : `code ${code}`;
}
