import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CommanderError } from 'commander';
import { buildProgram, usageExitCode } from '../../../src/cli/program.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/** Parses `args` in this process; usage errors are thrown (not exited) and the text commander prints is kept. */
async function parse(...args: string[]): Promise<{ error?: CommanderError; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = buildProgram({
    exit: (e) => {
      throw e;
    },
    output: {
      writeOut: (s) => {
        out += s;
      },
      writeErr: (s) => {
        err += s;
      },
    },
  });
  try {
    await program.parseAsync(['node', 'latigo', ...args]);
    return { out, err };
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { error, out, err };
  }
}

describe('latigo argument checks (in process, before any command module loads)', () => {
  const rejected: [string, string[], RegExp][] = [
    [
      'status --anomalies abc',
      ['status', '--anomalies', 'abc'],
      /'--anomalies <n>' argument 'abc' is invalid\. expected a positive whole number/,
    ],
    ['status --anomalies -1', ['status', '--anomalies', '-1'], /'--anomalies <n>' argument '-1' is invalid/],
    ['status --anomalies 0', ['status', '--anomalies', '0'], /'--anomalies <n>' argument '0' is invalid/],
    ['status --anomalies 2.5', ['status', '--anomalies', '2.5'], /'--anomalies <n>' argument '2.5' is invalid/],
    ['start --executors 0', ['start', '--executors', '0'], /'--executors <n>' argument '0' is invalid/],
    ['start --status-interval 5s', ['start', '--status-interval', '5s'], /'--status-interval <ms>' argument '5s' is invalid/],
    [
      'backfill --idle-warning none',
      ['backfill', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z', '--idle-warning', 'none'],
      /'--idle-warning <seconds>' argument 'none' is invalid/,
    ],
    [
      'backfill --from yesterday',
      ['backfill', '--from', 'yesterday', '--to', '2026-01-02T00:00:00Z'],
      /'--from <time>' argument 'yesterday' is invalid\. expected an ISO 8601 time/,
    ],
    ['backfill without --to', ['backfill', '--from', '2026-01-01T00:00:00Z'], /required option '--to <time>' not specified/],
    ['an unknown option', ['status', '--jsn'], /unknown option '--jsn'/],
  ];
  for (const [what, args, message] of rejected) {
    it(`refuses ${what} with a message naming the option, as a usage error (exit 2)`, async () => {
      const { error, err } = await parse(...args);
      expect(error, 'a usage error').to.be.instanceOf(CommanderError);
      expect(err).to.match(message);
      expect(usageExitCode(error!)).to.equal(2);
    });
  }

  it('exits 0 for --help, listing every command', async () => {
    const { error, out } = await parse('--help');
    expect(error?.code).to.equal('commander.helpDisplayed');
    expect(usageExitCode(error!)).to.equal(0);
    for (const command of ['start', 'scheduler', 'executor', 'migrate', 'demo', 'backfill', 'models', 'status', 'config', 'set-env']) {
      expect(out).to.match(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('documents --status-interval and the read-only commands in their help', async () => {
    expect((await parse('start', '--help')).out).to.match(/--status-interval <ms>\s+milliseconds between progress lines/);
    expect((await parse('models', 'train', '--help')).out).to.contain('--force');
    expect((await parse('backfill', '--help')).out).to.contain('--wait');
    expect((await parse('config', 'show', '--help')).out).to.contain('--effective');
  });
});

describe('latigo --help and usage errors load no heavy module', function () {
  this.timeout(20_000);
  // What makes `latigo --help` slow when imported eagerly: the ORM, the metrics registry, the schema
  // library, the container, the logger, the database drivers and the providers.
  const heavy =
    /\/node_modules\/(typeorm|prom-client|zod|inversify|pino|better-sqlite3|pg|@azure|@kubernetes|axios)\/|\/providers\/|\/src\/(composition|config|persistence)\//;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'latigo-load-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [args, code] of [
    [['--help'], 0],
    [['backfill', '--from', 'soon', '--to', 'later'], 2],
  ] as const) {
    it(`latigo ${args.join(' ')} exits ${code} having loaded only commander and the program definition`, () => {
      const log = join(dir, 'modules.log');
      const run = spawnSync(process.execPath, ['--import', tsxLoader, join(here, 'fixtures/parseArgs.mjs'), log, ...args], {
        encoding: 'utf8',
        cwd: dir,
      });
      expect(run.status, run.stderr).to.equal(code);
      const loaded = readFileSync(log, 'utf8')
        .split('\n')
        .filter((url) => url.startsWith('file:'));
      expect(
        loaded.some((url) => url.endsWith('/src/cli/program.ts')),
        'the program itself was recorded',
      ).to.equal(true);
      expect(loaded.some((url) => url.includes('/node_modules/commander/'))).to.equal(true);
      expect(loaded.filter((url) => heavy.test(url))).to.deep.equal([]);
    });
  }
});
