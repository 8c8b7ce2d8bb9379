import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { loadConfig } from '../../src/config/loadConfig.js';
import { providerCatalog } from '../../src/composition/registry.js';
import { cliInvocation, repoRoot, runCli } from './helpers/cli.js';
import { Workspace } from './helpers/workspace.js';

/** Values a shell would mangle if they were not quoted: spaces, both quotes, `$`, backquotes, `!`, backslashes, line breaks. */
const PASSWORD = `p a'ss"w$rd \`id\` $(id) !x \\n`;
const SCHEDULE_NAME = "line one\nline 'two' $HOME\n";

/** Runs `script` in bash: `eval`s it (as an operator does with `eval "$(latigo set-env)"`), then dumps the environment. */
function evalInBash(script: string): Record<string, string> {
  const result = spawnSync('bash', ['-c', 'eval "$(cat)" && env -0'], {
    input: script,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).to.equal(0);
  return Object.fromEntries(
    result.stdout
      .split('\0')
      .filter((e) => e !== '')
      .map((entry) => {
        const at = entry.indexOf('=');
        return [entry.slice(0, at), entry.slice(at + 1)];
      }),
  );
}

describe('latigo set-env', function () {
  this.timeout(180_000);
  let workspace: Workspace;

  beforeEach(() => {
    workspace = new Workspace('set-env');
  });
  afterEach(() => workspace.remove());

  it('creates local_config.yaml from the example on first run, says what to fill in, and prints no variables', async () => {
    const result = await runCli(['set-env'], { cwd: workspace.dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal('');
    const created = join(workspace.dir, 'local_config.yaml');
    expect(readFileSync(created, 'utf8')).to.equal(readFileSync(join(repoRoot, 'local_config.example.yaml'), 'utf8'));
    expect(statSync(created).mode & 0o777, 'only its owner may read it').to.equal(0o600);
    expect(result.stderr).to.contain('created').and.to.contain('database.url').and.to.contain('eval "$(latigo set-env)"');

    // The second run exports the example as it is: every documented default, which the service accepts.
    const second = await runCli(['set-env'], { cwd: workspace.dir });
    expect(second.code, second.stderr).to.equal(0);
    const env = evalInBash(second.stdout);
    expect(env.LATIGO_EXECUTOR__CONCURRENCY).to.equal('8');
    expect(env.LATIGO_TASK_QUEUE__TYPE).to.equal('embedded');
  });

  it('quotes values so that bash eval gives back spaces, quotes, $ and newlines, and the service reads the same configuration', async () => {
    const models = [
      {
        project: 'plant a',
        name: 'compressor-1',
        tags: ['c1.flow', 'c1.pressure'],
        resolution: '1m',
        training_from: '2026-01-01T00:00:00Z',
        training_to: '2026-02-01T00:00:00Z',
      },
    ];
    writeFileSync(
      join(workspace.dir, 'local_config.yaml'),
      yaml.dump({
        database: { url: `postgres://latigo:${PASSWORD}@db.example.com:5432/latigo`, pool_size: 4 },
        scheduler: { name: SCHEDULE_NAME, interval: '30m', run_at_once: false },
        demo: { project: '123' }, // text that reads as a number: must stay text
        model_info: { type: 'embedded', models },
      }),
    );
    const result = await runCli(['set-env'], { cwd: workspace.dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(
      result.stdout
        .split('\n')
        .filter((l) => l !== '')
        .every((l) => l.startsWith('export LATIGO_')),
    ).to.equal(true);

    const env = evalInBash(result.stdout);
    expect(env.LATIGO_DATABASE__URL).to.equal(`postgres://latigo:${PASSWORD}@db.example.com:5432/latigo`);
    expect(env.LATIGO_DATABASE__POOL_SIZE).to.equal('4');
    expect(env.LATIGO_SCHEDULER__RUN_AT_ONCE).to.equal('false');

    // What the service makes of that environment, with no file at all.
    const latigoEnv = Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('LATIGO_')));
    const empty = workspace.writeConfig('', 'empty.yaml');
    const config = await loadConfig({ env: latigoEnv, catalog: providerCatalog, file: empty });
    expect(config.database.url).to.equal(`postgres://latigo:${PASSWORD}@db.example.com:5432/latigo`);
    expect(config.database.poolSize).to.equal(4);
    expect(config.scheduler.name).to.equal(SCHEDULE_NAME);
    expect(config.scheduler.intervalMs).to.equal(30 * 60_000);
    expect(config.scheduler.runAtOnce).to.equal(false);
    expect(config.demo.project).to.equal('123');
    expect(
      (config.providers.model_info.config as { models: { project: string; inputTags: string[] }[] }).models.map((m) => [
        m.project,
        m.inputTags,
      ]),
    ).to.deep.equal([['plant a', ['c1.flow', 'c1.pressure']]]);
  });

  it('takes ${NAME} references from the environment, not LATIGO_* variables left by an earlier eval', async () => {
    writeFileSync(join(workspace.dir, 'local_config.yaml'), 'database:\n  url: postgres://latigo:${PGPASSWORD}@db:5432/latigo\n');
    const result = await runCli(['set-env'], { cwd: workspace.dir, env: { PGPASSWORD: "it's $ecret" } });
    expect(result.code, result.stderr).to.equal(0);
    expect(evalInBash(result.stdout).LATIGO_DATABASE__URL).to.equal("postgres://latigo:it's $ecret@db:5432/latigo");
  });

  it('reports an invalid local config with the key path and exit code 2, printing nothing to eval', async () => {
    writeFileSync(join(workspace.dir, 'local_config.yaml'), 'executor:\n  retry:\n    maximum_attempts: many\n');
    const result = await runCli(['set-env'], { cwd: workspace.dir });
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.match(/^latigo: invalid configuration at executor\.retry\.maximum_attempts: /);

    writeFileSync(join(workspace.dir, 'local_config.yaml'), 'sensor_data:\n  type: historian\n');
    const unknownType = await runCli(['set-env'], { cwd: workspace.dir });
    expect(unknownType.code).to.equal(2);
    expect(unknownType.stderr).to.match(/invalid configuration at sensor_data\.type: unknown type "historian"/);
  });

  it('writes a .env file for docker compose, readable by its owner only', async () => {
    writeFileSync(
      join(workspace.dir, 'local_config.yaml'),
      yaml.dump({
        database: { url: 'postgres://latigo:pa$$word@postgres:5432/latigo' },
        executor: { concurrency: 16 },
      }),
    );
    const result = await runCli(['set-env', '--dotenv'], { cwd: workspace.dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout, 'nothing printed').to.equal('');
    const dotenv = join(workspace.dir, '.env');
    expect(existsSync(dotenv)).to.equal(true);
    expect(statSync(dotenv).mode & 0o777).to.equal(0o600);
    const lines = readFileSync(dotenv, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).to.deep.equal([
      "LATIGO_DATABASE__URL='postgres://latigo:pa$$word@postgres:5432/latigo'",
      "LATIGO_EXECUTOR__CONCURRENCY='16'",
    ]);
  });

  it('masks secrets when printing to a terminal, unless --show-secrets', async () => {
    writeFileSync(
      join(workspace.dir, 'local_config.yaml'),
      yaml.dump({
        database: { url: 'postgres://latigo:hunter2@db:5432/latigo' },
      }),
    );
    const { command, args } = cliInvocation();
    const onTerminal = (extra: string) =>
      spawnSync('script', ['-qec', [command, ...args, 'set-env', extra].join(' '), '/dev/null'], {
        cwd: workspace.dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
    const masked = onTerminal('');
    expect(masked.status, masked.stderr).to.equal(0);
    expect(masked.stdout).to.contain("export LATIGO_DATABASE__URL='postgres://latigo:***@db:5432/latigo'");
    expect(masked.stdout).not.to.contain('hunter2');
    expect(masked.stdout).to.contain('--show-secrets');
    expect(onTerminal('--show-secrets').stdout).to.contain('hunter2');
  });
});
