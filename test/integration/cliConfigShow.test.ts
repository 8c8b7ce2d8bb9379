import { expect } from 'chai';
import { runCli } from './helpers/cli.js';
import { Workspace } from './helpers/workspace.js';

// `latigo config show` and the override warning: a LATIGO_* variable left over from `eval "$(latigo set-env)"`
// must not silently shadow later edits of the file.
describe('latigo config show and LATIGO_* overrides', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let config: string;
  beforeEach(() => {
    workspace = new Workspace('configshow');
    config = workspace.writeConfig(
      [
        `database:\n  url: sqlite:${workspace.databasePath}`,
        'executor:\n  concurrency: 4',
        'demo:\n  project: ${LATIGO_TEST_DEMO_PROJECT}',
        'task_queue:\n  type: embedded\n  visibility_timeout: 60s',
        'prediction_storage:\n  type: influx\n  url: http://influx.example:8086\n  database: latigo\n  password: s3cret-influx',
      ].join('\n'),
    );
  });
  afterEach(() => workspace.remove());

  const env = { LATIGO_EXECUTOR__CONCURRENCY: '3', LATIGO_TEST_DEMO_PROJECT: 'plant-a' };

  it('--effective lists each key with its value and source: file, LATIGO_* variable, ${ENV} and default; secrets masked', async () => {
    const result = await runCli(['--config', config, 'config', 'show', '--effective'], { cwd: workspace.dir, env });
    expect(result.code, result.stderr).to.equal(0);
    const line = (key: string) => result.stdout.split('\n').find((l) => l.startsWith(`${key} = `)) ?? `(no line for ${key})`;
    expect(line('executor.concurrency')).to.match(/^executor\.concurrency = 3 +# LATIGO_EXECUTOR__CONCURRENCY$/);
    expect(line('task_queue.visibility_timeout')).to.match(new RegExp(`^task_queue\\.visibility_timeout = 60s +# file ${config}$`));
    expect(line('demo.project')).to.match(new RegExp(`^demo\\.project = plant-a +# \\$\\{LATIGO_TEST_DEMO_PROJECT\\} in ${config}$`));
    expect(line('scheduler.batch_size')).to.match(/^scheduler\.batch_size = 1000 +# default$/);
    expect(line('executor.retry.maximum_attempts')).to.match(/^executor\.retry\.maximum_attempts = 4 +# default$/);
    expect(line('prediction_storage.password')).to.match(/^prediction_storage\.password = \*\*\* +# file /);
    expect(result.stdout).not.to.contain('s3cret');
    expect(result.stdout).to.contain(`# configuration file: ${config}`);
    // Named once, with the key, on stderr.
    expect(result.stderr.match(/LATIGO_EXECUTOR__CONCURRENCY overrides executor\.concurrency/g)).to.have.length(1);
  });

  it('without --effective lists only what is set; --json carries the same', async () => {
    const plain = await runCli(['--config', config, 'config', 'show'], { cwd: workspace.dir, env });
    expect(plain.stdout).not.to.contain('# default');
    expect(plain.stdout).to.contain('executor.concurrency = 3');
    const json = JSON.parse((await runCli(['--config', config, 'config', 'show', '--json'], { cwd: workspace.dir, env })).stdout) as {
      file: string;
      keys: { path: string; value: string; source: string }[];
    };
    expect(json.file).to.equal(config);
    expect(json.keys.find((k) => k.path === 'executor.concurrency')).to.deep.equal({
      path: 'executor.concurrency',
      value: '3',
      source: 'LATIGO_EXECUTOR__CONCURRENCY',
    });
    expect(JSON.stringify(json)).not.to.contain('s3cret');
  });

  it('masks api.tokens, whose tokens come from the environment', async () => {
    const withTokens = workspace.writeConfig(
      `database:\n  url: sqlite:${workspace.databasePath}\napi:\n  tokens:\n    - { name: ops, role: operator, token: "\${OPS_API_TOKEN}" }\n`,
      'tokens.yaml',
    );
    const result = await runCli(['--config', withTokens, 'config', 'show', '--effective'], {
      cwd: workspace.dir,
      env: { OPS_API_TOKEN: 'ops-secret-token-0123456789' },
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^api\.tokens = \*\*\* +# /m);
    expect(result.stdout).to.match(/^api\.port = 8080 +# default$/m);
    expect(result.stdout + result.stderr).not.to.contain('ops-secret-token');
  });

  it('every command warns once, naming the key, when a LATIGO_* variable overrides a different file value', async () => {
    const result = await runCli(['--config', config, 'migrate'], { cwd: workspace.dir, env });
    expect(result.code, result.stderr).to.equal(0);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('environment variable overrides the configuration file'));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('"key":"executor.concurrency"').and.to.contain('"variable":"LATIGO_EXECUTOR__CONCURRENCY"');
    const same = await runCli(['--config', config, 'migrate'], { cwd: workspace.dir, env: { ...env, LATIGO_EXECUTOR__CONCURRENCY: '4' } });
    expect(same.stderr).not.to.contain('overrides the configuration file');
  });

  it('a configuration error says where the refused value came from: the file or the variable', async () => {
    const fromFile = workspace.writeConfig(
      `database:\n  url: sqlite:${workspace.databasePath}\nexecutor:\n  concurrency: many\n`,
      'bad.yaml',
    );
    const file = await runCli(['--config', fromFile, 'status'], { cwd: workspace.dir });
    expect(file.code).to.equal(2);
    expect(file.stderr).to.match(
      new RegExp(`^latigo: invalid configuration at executor\\.concurrency: .*\\(from file ${fromFile}\\)$`, 'm'),
    );
    const fromVariable = await runCli(['--config', config, 'status'], {
      cwd: workspace.dir,
      env: { ...env, LATIGO_EXECUTOR__CONCURRENCY: 'many' },
    });
    expect(fromVariable.code).to.equal(2);
    expect(fromVariable.stderr).to.match(
      /^latigo: invalid configuration at executor\.concurrency: .*\(from LATIGO_EXECUTOR__CONCURRENCY\)$/m,
    );
  });

  it("set-env prints the file's values and names each variable of this shell that still overrides a different one", async () => {
    const local = workspace.writeConfig(
      `database:\n  url: sqlite:${workspace.databasePath}\nexecutor:\n  concurrency: 4\n`,
      'local_config.yaml',
    );
    const result = await runCli(['set-env'], { cwd: workspace.dir, env: { LATIGO_EXECUTOR__CONCURRENCY: '3' } });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain("export LATIGO_EXECUTOR__CONCURRENCY='4'");
    expect(result.stderr).to.contain(
      `latigo: LATIGO_EXECUTOR__CONCURRENCY in this environment overrides executor.concurrency from ${local} until you eval the output again`,
    );
  });

  it("set-env's first-run hint works without latigo on PATH (npx)", async () => {
    const result = await runCli(['set-env'], { cwd: workspace.dir });
    expect(result.stderr).to.contain('eval "$(npx latigo set-env)"');
  });
});
