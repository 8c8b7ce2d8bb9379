import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { runCli } from './helpers/cli.js';
import { Workspace } from './helpers/workspace.js';

interface BadConfig {
  readonly what: string;
  readonly command: readonly string[];
  readonly yaml?: string;
  readonly env?: Record<string, string>;
  /** The key path stderr must name. */
  readonly path: string;
  /** Words the explanation must hold. */
  readonly expected: RegExp;
}

const cases: readonly BadConfig[] = [
  {
    what: 'an executor name longer than the database holds',
    command: ['executor', '--name', 'e'.repeat(101)],
    yaml: '',
    path: '--name',
    expected: /101 characters long; names are limited to 100/,
  },
  {
    what: 'a scheduler interval under the floor',
    command: ['scheduler'],
    yaml: 'scheduler:\n  interval: 10\n',
    path: 'scheduler.interval',
    expected: /min_interval/,
  },
  {
    what: 'an unknown key',
    command: ['status'],
    yaml: 'executor:\n  concurency: 4\n',
    path: 'executor',
    expected: /unknown key "concurency"/,
  },
  {
    what: 'an unknown section',
    command: ['scheduler'],
    yaml: 'schedular:\n  interval: 10m\n',
    path: 'schedular',
    expected: /unknown section/,
  },
  {
    what: 'a value of the wrong type',
    command: ['executor', '--name', 'executor-1'],
    yaml: 'executor:\n  concurrency: many\n',
    path: 'executor.concurrency',
    expected: /number/,
  },
  {
    what: 'an unknown time zone',
    command: ['scheduler'],
    yaml: 'scheduler:\n  time_zone: Mars/Olympus_Mons\n',
    path: 'scheduler.time_zone',
    expected: /IANA time zone/,
  },
  {
    what: 'a start time that is not a time',
    command: ['status'],
    yaml: 'scheduler:\n  start_time: yesterday-ish\n',
    path: 'scheduler.start_time',
    expected: /yesterday-ish/,
  },
  { what: 'a bad duration', command: ['start'], yaml: 'scheduler:\n  interval: soon\n', path: 'scheduler.interval', expected: /duration/ },
  {
    what: 'an unknown provider type',
    command: ['migrate'],
    yaml: 'task_queue:\n  type: rabbitmq\n',
    path: 'task_queue.type',
    expected: /unknown type "rabbitmq".*embedded/,
  },
  {
    what: 'a bad nested key of a provider',
    command: ['models', 'list'],
    yaml: 'task_queue:\n  type: embedded\n  visibility_timeout: -5\n',
    path: 'task_queue.visibility_timeout',
    expected: /./,
  },
  {
    what: 'a bad value from a LATIGO_* override',
    command: ['backfill', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z'],
    yaml: '',
    env: { LATIGO_EXECUTOR__RETRY__MAXIMUM_ATTEMPTS: '0' },
    path: 'executor.retry.maximum_attempts',
    expected: /./,
  },
  {
    what: 'an unset ${ENV} reference',
    command: ['demo', 'seed'],
    yaml: 'logging:\n  level: ${LATIGO_TEST_UNSET_LEVEL}\n',
    path: 'logging.level',
    expected: /LATIGO_TEST_UNSET_LEVEL is not set/,
  },
  {
    what: 'a declared model whose training ends before it starts',
    command: ['models', 'list'],
    yaml: 'model_info:\n  models:\n    - { project: plant, name: pump, tags: [flow, head], training_from: 2026-01-02T00:00:00Z, training_to: 2026-01-01T00:00:00Z }\n',
    path: 'model_info.models.0.training_to',
    expected: /after training_from/,
  },
  {
    what: 'a model declared twice',
    command: ['executor', '--name', 'executor-1'],
    yaml:
      'model_info:\n  models:\n' +
      '    - { project: plant, name: pump, tags: [flow, head], training_from: 2026-01-01T00:00:00Z, training_to: 2026-01-02T00:00:00Z }\n'.repeat(
        2,
      ),
    path: 'model_info.models.1.name',
    expected: /plant\/pump is already declared/,
  },
  {
    what: 'a database url latigo cannot open',
    command: ['status', '--json'],
    yaml: 'database:\n  url: mysql://user:secret@db/latigo\n',
    path: 'database.url',
    expected: /sqlite:<path>/,
  },
];

describe('latigo with an invalid configuration', function () {
  this.timeout(180_000);
  let workspace: Workspace;

  beforeEach(() => {
    workspace = new Workspace('config');
  });
  afterEach(() => workspace.remove());

  for (const bad of cases) {
    it(`exits 2 naming ${bad.path} for ${bad.what} (latigo ${bad.command[0]}), before creating any file`, async () => {
      // Any database the config would open lands in the workspace, so "no new file" proves no side effect.
      const dbUrl = `database:\n  url: sqlite:${workspace.databasePath}\n`;
      const yamlText = bad.yaml!.startsWith('database:') ? bad.yaml! : dbUrl + bad.yaml!;
      const file = workspace.writeConfig(yamlText);
      const result = await runCli(['--config', file, ...bad.command], { cwd: workspace.dir, ...(bad.env ? { env: bad.env } : {}) });

      expect(result.code, result.stderr).to.equal(2);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines, 'one line, no stack trace').to.have.length(1);
      expect(lines[0]).to.match(new RegExp(`^latigo: invalid configuration at ${bad.path.replace(/\./g, '\\.')}: `));
      expect(lines[0]).to.match(bad.expected);
      expect(lines[0], 'secrets stay masked').not.to.contain('secret');
      expect(readdirSync(workspace.dir)).to.deep.equal(['config.yaml']);
      expect(existsSync(workspace.databasePath)).to.equal(false);
    });
  }

  it('names a configuration file that does not exist', async () => {
    const result = await runCli(['--config', `${workspace.dir}/missing.yaml`, 'status'], { cwd: workspace.dir });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^latigo: invalid configuration at \(file\): cannot read configuration file .*missing\.yaml/);
    expect(readdirSync(workspace.dir)).to.deep.equal([]);
  });
});
