import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { CliProcess, cliInvocation } from './helpers/cli.js';
import { waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

/** The supervisor's `child process started` records (JSON log lines), to make sure no child outlives a test. */
function childPids(stdout: string): number[] {
  return [...stdout.matchAll(/"pid":(\d+),"msg":"child process started"/g)].map((m) => Number(m[1]));
}

function killLeftovers(run: CliProcess | undefined): void {
  if (run === undefined) return;
  run.kill();
  for (const pid of childPids(run.stdout)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** `latigo start --demo` with pipes for stdout and stderr, as the leader of a process group of its own (as a shell runs `npm start | tee log`). */
function startInGroup(args: readonly string[], cwd: string): CliProcess {
  const { command, args: leading } = cliInvocation();
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LATIGO_')));
  return new CliProcess(spawn(command, [...leading, ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/**
 * A terminal's rendering of captured output, line by line: carriage returns and cursor moves to column 1
 * overwrite, erase-line sequences clear; other control sequences draw nothing. What a user would see.
 */
export function renderTerminal(capture: string): string[] {
  const lines: string[] = [];
  let cells: string[] = [];
  let col = 0;
  for (let i = 0; i < capture.length; i++) {
    const ch = capture[i]!;
    if (ch === '\n') {
      lines.push(cells.join('').trimEnd());
      cells = [];
      col = 0;
    } else if (ch === '\r') {
      col = 0;
    } else if (ch === '\x1b') {
      const csi = /^\[([?\d;]*)([A-Za-z])/.exec(capture.slice(i + 1, i + 20));
      if (csi) {
        const n = csi[1] === '' ? 0 : Number(csi[1]);
        if (csi[2] === 'K' && (n === 0 || Number.isNaN(n))) cells = cells.slice(0, col);
        if (csi[2] === 'K' && n === 2) cells = [];
        if (csi[2] === 'G') col = Math.max(0, (n || 1) - 1);
        i += csi[0].length;
      } else {
        i += 1; // ESC 7 / ESC 8: save and restore the cursor, which stays on this line
      }
    } else {
      while (cells.length < col) cells.push(' ');
      cells[col++] = ch;
    }
  }
  if (cells.length > 0) lines.push(cells.join('').trimEnd());
  return lines;
}

describe('latigo start --demo output', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let run: CliProcess | undefined;

  beforeEach(() => {
    workspace = new Workspace('start-output');
  });
  afterEach(() => {
    killLeftovers(run);
    run = undefined;
    workspace.remove();
  });

  it('prints the summary when Ctrl-C reaches the whole process group of a piped run, and logs under 20 lines per 100 windows at info', async () => {
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'info', format: 'auto' },
        demo: { assets: 3, tags_per_asset: 6, history: '24h', training: '5h', resolution: '60s', faults_per_asset: 2 },
      }),
    );
    run = startInGroup(['--config', config, 'start', '--demo', '--status-interval', '500'], workspace.dir);
    const started = run;
    const output = () => `${started.stdout.slice(-3000)}\n${started.stderr.slice(-2000)}`;
    await waitFor(() => /^\[latigo\] windows ([1-9]\d{2,}) done .*, 0 queued/m.test(started.stdout), {
      timeoutMs: 90_000,
      describe: () => `at least 100 windows to finish\n${output()}`,
    });
    expect(started.stdout, 'piped output is JSON lines').to.match(/^\{"level":30/m);

    process.kill(-started.pid, 'SIGINT'); // as a terminal's Ctrl-C: to every process of the foreground group
    const exit = await started.untilExit(60_000);
    expect(exit.code, output()).to.equal(0);
    expect(exit.stdout).to.match(/^\[latigo\] stopping\. windows [1-9]\d* done/m);
    expect(exit.stdout).to.match(/^Demo detections for project demo over /m);
    expect(exit.stdout).to.match(/^ {2}\(windows processed: the demo models' windows that ended inside this range/m);
    expect(exit.stdout).to.match(/^\[latigo\] stopped\. windows [1-9]\d* done/m);
    expect(exit.stdout).to.match(/\| next tick \d\d:\d\d:\d\d, 3 windows$/m);
    // The summary went out while the children were still draining: before the last child's exit record.
    const summaryAt = exit.stdout.indexOf('[latigo] stopping.');
    const lastExitAt = exit.stdout.lastIndexOf('"msg":"child process exited"');
    expect(summaryAt).to.be.greaterThan(0).and.lessThan(lastExitAt);

    const windows = Number(/^\[latigo\] stopped\. windows (\d+) done/m.exec(exit.stdout)![1]);
    const lines = `${exit.stdout}${exit.stderr}`.split('\n').filter((l) => l.trim() !== '').length;
    expect(windows).to.be.at.least(100);
    expect((lines / windows) * 100, `${lines} lines for ${windows} windows`).to.be.below(20);
    expect(exit.stdout).not.to.contain('"msg":"task finished"');
  });

  it('never draws a progress bar and a log record on the same terminal line (captured through a pseudo-terminal)', async () => {
    const config = workspace.writeConfig(
      workspace.testConfig({
        logging: { level: 'info', format: 'auto' },
        demo: { assets: 3, tags_per_asset: 6, history: '8h', training: '5h', resolution: '60s', faults_per_asset: 1 },
      }),
    );
    const { command, args } = cliInvocation();
    const argv = [command, ...args, '--config', config, 'start', '--demo', '--status-interval', '500'];
    // `exec` replaces script's shell with latigo: otherwise the terminal's SIGINT also reaches a shell that,
    // depending on which shell $SHELL names, dies of it and makes script report 130 for latigo's clean exit.
    const cli = `exec ${argv.map((a) => `'${a}'`).join(' ')}`;
    // script(1) gives the command a pseudo-terminal and copies what it draws; ^C on its input is a terminal's Ctrl-C.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LATIGO_')));
    run = new CliProcess(
      spawn('script', ['-qefc', cli, '/dev/null'], {
        cwd: workspace.dir,
        env: { ...env, COLUMNS: '200', LINES: '50' },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    const session = run;
    await waitFor(() => /\[latigo\] windows [1-9]\d* done/.test(session.stdout), {
      timeoutMs: 90_000,
      describe: () => session.stdout.slice(-3000),
    });
    session.child.stdin!.write('\x03');
    const exit = await session.untilExit(60_000);
    expect(exit.code, exit.stdout.slice(-2000)).to.equal(0);

    const screen = renderTerminal(exit.stdout);
    const bar = /\[[\u2588\u2591]{10,}\]/;
    const record = /\b(INFO|WARN|ERROR)\b.*:|"level":\d/;
    expect(
      screen.some((l) => bar.test(l)),
      'a bar was drawn',
    ).to.equal(true);
    expect(
      screen.some((l) => /INFO.*model trained/.test(l)),
      'models logged while the training bar was up',
    ).to.equal(true);
    expect(screen.filter((l) => bar.test(l) && record.test(l))).to.deep.equal([]);
    expect(screen.some((l) => /^\[latigo\] stopped\. windows/.test(l))).to.equal(true);
  });
});
