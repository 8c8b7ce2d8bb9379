import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (test/integration/helpers -> ../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * How to run `latigo`: the built bin (`npm test` builds first) or, when there is no build, the
 * TypeScript source through tsx. `LATIGO_TEST_CLI=source` forces the source while developing.
 */
export function cliInvocation(): { command: string; args: string[] } {
  const dist = join(repoRoot, 'dist/src/cli.js');
  if (process.env.LATIGO_TEST_CLI !== 'source' && existsSync(dist)) return { command: process.execPath, args: [dist] };
  // An absolute loader URL: the process under test runs in a temporary folder, where `tsx` would not resolve.
  return {
    command: process.execPath,
    args: ['--import', pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href, join(repoRoot, 'src/cli.ts')],
  };
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `latigo` process whose output is collected. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for exit; kills the process and fails when it takes longer than `timeoutMs`. */
  async untilExit(timeoutMs: number): Promise<CliResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(
          new Error(
            `latigo ${this.child.spawnargs.slice(2).join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
          ),
        );
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process if it is still running (test cleanup). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export function startCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const { command, args: leading } = cliInvocation();
  const child = spawn(command, [...leading, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...withoutLatigoVariables(process.env), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new CliProcess(child);
}

export async function runCli(args: readonly string[], options: CliOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  return startCli(args, options).untilExit(options.timeoutMs ?? 30_000);
}

/** The test's own LATIGO_* variables must not leak into the process under test. */
function withoutLatigoVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('LATIGO_')));
}
