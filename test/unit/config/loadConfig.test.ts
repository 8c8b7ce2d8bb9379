import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseAppConfig } from '../../../src/config/loadConfig.js';
import { parseStartTime } from '../../../src/config/startTime.js';
import { providerCatalog } from '../../../src/composition/registry.js';
import { ConfigError } from '../../../src/runtime/errors.js';
import { defineProvider } from '../../../src/provider/defineProvider.js';

/** The folder of this file's YAML files: made on first use (so --grep that skips them makes none), removed after the run. */
let dir: string | undefined;
after(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
function yamlFile(text: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'latigo-config-'));
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}
const load = (text: string, env: Record<string, string> = {}) => loadConfig({ file: yamlFile(text), env, catalog: providerCatalog });

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

describe('loadConfig', () => {
  it('fills every section with defaults when there is no file', async () => {
    const config = await loadConfig({ env: {}, catalog: providerCatalog, file: yamlFile('') });
    expect(config.database.url).to.equal('sqlite:data/latigo.sqlite');
    expect(config.scheduler.intervalMs).to.equal(600_000);
    expect(config.executor.concurrency).to.equal(8);
    expect(config.executor.retry.maximumAttempts).to.equal(4);
    expect(config.providers.task_queue.type).to.equal('embedded');
    expect(config.providers.predictor.config).to.include({ explainedVariance: 0.95, confidence: 0.99 });
  });

  it('local_config.example.yaml documents exactly the defaults', async () => {
    const example = await loadConfig({ file: 'local_config.example.yaml', env: {}, catalog: providerCatalog });
    const defaults = await loadConfig({ file: yamlFile('{}'), env: {}, catalog: providerCatalog });
    const { source: _a, ...exampleValues } = example;
    const { source: _b, ...defaultValues } = defaults;
    expect(exampleValues).to.deep.equal(defaultValues);
  });

  it('reads durations as text or milliseconds', async () => {
    const config = await load('scheduler:\n  interval: 30m\n  delay: 90000\ntask_queue:\n  type: embedded\n  poll_interval: 250ms\n');
    expect(config.scheduler.intervalMs).to.equal(1_800_000);
    expect(config.scheduler.delayMs).to.equal(90_000);
    expect(config.providers.task_queue.config).to.include({ pollIntervalMs: 250 });
  });

  it('replaces ${NAME} and ${NAME:-fallback} from the environment', async () => {
    const config = await load('database:\n  url: "sqlite:${DB_DIR}/x.sqlite"\nscheduler:\n  name: "${MISSING:-fallback}"\n', {
      DB_DIR: '/var/lib/latigo',
    });
    expect(config.database.url).to.equal('sqlite:/var/lib/latigo/x.sqlite');
    expect(config.scheduler.name).to.equal('fallback');
  });

  it('names the key whose environment variable is missing', async () => {
    const err = await configError(load('database:\n  url: "${NOT_SET}"\n'));
    expect(err.path).to.equal('database.url');
    expect(err.message).to.contain('NOT_SET');
  });

  it('applies LATIGO_<SECTION>__<KEY> overrides with their YAML types', async () => {
    const config = await load('executor:\n  concurrency: 2\n', {
      LATIGO_EXECUTOR__CONCURRENCY: '16',
      LATIGO_SCHEDULER__RUN_AT_ONCE: 'false',
      LATIGO_EXECUTOR__RETRY__MAXIMUM_ATTEMPTS: '7',
      LATIGO_PROCESS_NAME: 'executor-1',
    });
    expect(config.executor.concurrency).to.equal(16);
    expect(config.scheduler.runAtOnce).to.equal(false);
    expect(config.executor.retry.maximumAttempts).to.equal(7);
  });

  const invalid: [string, string, string][] = [
    ['an unknown section', 'shceduler:\n  interval: 1m\n', 'shceduler'],
    ['an unknown key', 'executor:\n  concurency: 4\n', 'executor'],
    ['a wrong type', 'executor:\n  concurrency: many\n', 'executor.concurrency'],
    ['a bad duration', 'scheduler:\n  interval: soon\n', 'scheduler.interval'],
    ['a nested wrong value', 'executor:\n  retry:\n    backoff_coefficient: 0.5\n', 'executor.retry.backoff_coefficient'],
    ['an unknown time zone', 'scheduler:\n  time_zone: Europe/Atlantis\n', 'scheduler.time_zone'],
    ['a start time that is not a time', 'scheduler:\n  start_time: yesterday\n', 'scheduler.start_time'],
    ['an unknown provider type', 'sensor_data:\n  type: influxx\n', 'sensor_data.type'],
    ['an unknown provider key', 'predictor:\n  type: embedded\n  confidense: 0.9\n', 'predictor'],
    ['an out-of-range provider value', 'predictor:\n  confidence: 1.5\n', 'predictor.confidence'],
  ];
  for (const [what, yaml, path] of invalid) {
    it(`refuses ${what}, naming ${path}`, async () => {
      const err = await configError(load(yaml));
      expect(err.path).to.equal(path);
      expect(err.message).to.match(/^invalid configuration at /);
    });
  }

  it('refuses a file that is not YAML, naming the file', async () => {
    const err = await configError(load('executor: [unclosed\n'));
    expect(err.message).to.contain('not valid YAML');
  });

  it('reports a YAML error by line and column without quoting any line of the file', async () => {
    const text = 'database:\n  url: postgres://latigo:Zx9/Secret@db/latigo\n  password: "Qw3rtySecret\nexecutor:\n  concurrency: 2\n';
    const err = await configError(load(text));
    expect(err.message).to.match(/not valid YAML: .+ at line \d+, column \d+$/);
    expect(err.message).not.to.match(/Zx9|Qw3rty|concurrency|url:/);
    expect(err.cause).to.equal(undefined);
  });

  it('refuses a malformed PostgreSQL URL as database.url before opening anything, with the password hidden', async () => {
    const err = await configError(load('database:\n  url: postgres://latigo:pa/ss@db:99999/latigo\n'));
    expect(err.path).to.equal('database.url');
    expect(err.message).to.contain('port from 1 to 65535').and.not.to.contain('pa/ss');
  });

  it('refuses a scheduler interval under scheduler.min_interval (default 1 s), and accepts a lower floor set on purpose', async () => {
    const err = await configError(load('scheduler:\n  interval: 10\n'));
    expect(err.path).to.equal('scheduler.interval');
    expect(err.message).to.contain('expected at least scheduler.min_interval (1000 ms), got 10 ms');
    expect((await load('scheduler:\n  interval: 10\n  min_interval: 10\n')).scheduler.intervalMs).to.equal(10);
  });

  it('refuses names longer than their database columns, naming the key and the limit', async () => {
    const scheduler = await configError(load(`scheduler:\n  name: ${'s'.repeat(101)}\n`));
    expect(scheduler.path).to.equal('scheduler.name');
    expect(scheduler.message).to.contain('at most 100 characters (the width of scheduler_state.name)');
    const demo = await configError(load(`demo:\n  project: ${'d'.repeat(201)}\n`));
    expect(demo.path).to.equal('demo.project');
    expect(demo.message).to.contain('at most 200 characters');
  });

  it('refuses a window retention inside the catch-up horizon (pruned windows would be queued again)', async () => {
    const err = await configError(load('scheduler:\n  catch_up_horizon: 2d\n  window_retention: 1d\n'));
    expect(err.path).to.equal('scheduler.window_retention');
    expect((await load('scheduler:\n  window_retention: 0\n')).scheduler.windowRetentionMs).to.equal(0);
  });

  it('bounds scheduler.batch_size', async () => {
    expect((await configError(load('scheduler:\n  batch_size: 10001\n'))).path).to.equal('scheduler.batch_size');
  });

  it('reads an override that is not valid YAML as the text it is, never quoting it in an error', async () => {
    const config = await load('', { LATIGO_DATABASE__URL: "sqlite:'unclosed" });
    expect(config.database.url).to.equal("sqlite:'unclosed");
  });

  it('loads a third-party provider with type module:<path>', async () => {
    const config = await load('sensor_data:\n  type: module:./test/fixtures/thirdPartySensorData.ts\n  value: 3\n');
    expect(config.providers.sensor_data.type).to.equal('module:./test/fixtures/thirdPartySensorData.ts');
    expect(config.providers.sensor_data.config).to.deep.equal({ value: 3 });
  });

  it('passes a third-party module its own config errors, with the section path', async () => {
    const err = await configError(load('sensor_data:\n  type: module:./test/fixtures/thirdPartySensorData.ts\n'));
    expect(err.path).to.equal('sensor_data.value');
  });

  it('names a module path that cannot be loaded', async () => {
    const err = await configError(load('sensor_data:\n  type: module:./no/such/provider.js\n'));
    expect(err.path).to.equal('sensor_data.type');
    expect(err.message).to.contain('cannot load provider module');
  });
});

describe('loadConfig: YAML times and model_info.models', () => {
  it('keeps an unquoted start_time as local time in time_zone', async () => {
    const config = await load('scheduler:\n  start_time: 2020-01-01T00:00:00\n  time_zone: Europe/Oslo\n');
    expect(config.scheduler.startTime).to.equal('2020-01-01T00:00:00');
    // Oslo is UTC+1 in winter: local midnight is 23:00 UTC the day before, not midnight UTC.
    expect(parseStartTime(config.scheduler.startTime, config.scheduler.timeZone).toUTC().toISO()).to.equal('2019-12-31T23:00:00.000Z');
  });

  it('takes start_time from a LATIGO_SCHEDULER__START_TIME override', async () => {
    const config = await load('scheduler:\n  time_zone: Europe/Oslo\n', { LATIGO_SCHEDULER__START_TIME: '2024-06-01T06:00:00' });
    expect(config.scheduler.startTime).to.equal('2024-06-01T06:00:00');
  });

  it('reads unquoted training times of a declared model as UTC, with or without an offset', async () => {
    const config = await load(
      'model_info:\n  models:\n    - project: plant\n      name: pump\n      tags: [flow, head]\n' +
        '      training_from: 2026-01-01T00:00:00\n      training_to: 2026-01-02T01:00:00+01:00\n',
    );
    expect(config.providers.model_info.config).to.deep.equal({
      models: [
        {
          project: 'plant',
          name: 'pump',
          inputTags: ['flow', 'head'],
          targetTags: ['flow', 'head'],
          resolutionMs: 10_000,
          trainingRange: { fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2026, 0, 2) },
        },
      ],
    });
  });

  it('reads training times without an offset as UTC whatever the process time zone', async () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York'; // Node applies a changed TZ at once
    try {
      const config = await load(
        'model_info:\n  models:\n    - project: plant\n      name: pump\n      tags: [flow, head]\n' +
          '      training_from: "2026-01-01T00:00:00"\n      training_to: "2026-01-02 00:00:00"\n',
      );
      expect(config.providers.model_info.config).to.nested.include({
        'models[0].trainingRange.fromMs': Date.UTC(2026, 0, 1),
        'models[0].trainingRange.toMs': Date.UTC(2026, 0, 2),
      });
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  const model = (name: string, extra = '') =>
    `    - project: plant\n      name: ${name}\n      tags: [flow, head]\n      training_from: "2026-01-01T00:00:00Z"\n      training_to: "2026-01-02T00:00:00Z"\n${extra}`;
  const invalidModels: [string, string, string, RegExp][] = [
    [
      'a training range that ends before it starts',
      model('pump').replace('training_to: "2026-01-02', 'training_to: "2025-12-31'),
      'model_info.models.0.training_to',
      /after training_from/,
    ],
    ['an empty training range', model('fan').replace('2026-01-02', '2026-01-01'), 'model_info.models.0.training_to', /after training_from/],
    ['empty tags', model('pump').replace('[flow, head]', '[]'), 'model_info.models.0.tags', /./],
    ['empty target_tags', model('pump', '      target_tags: []\n'), 'model_info.models.0.target_tags', /./],
    [
      'a model declared twice',
      model('pump') + model('fan') + model('pump'),
      'model_info.models.2.name',
      /plant\/pump is already declared at models\.0/,
    ],
  ];
  for (const [what, models, path, message] of invalidModels) {
    it(`refuses a declared model with ${what}, naming ${path}`, async () => {
      const err = await configError(load(`model_info:\n  models:\n${models}`));
      expect(err.path).to.equal(path);
      expect(err.message).to.match(message);
    });
  }
});

describe('loadConfig: executor.task_timeout against the task queue lease', () => {
  it('defaults task_timeout to 45 s, below the default 60 s visibility timeout', async () => {
    const config = await load('');
    expect(config.executor.taskTimeoutMs).to.equal(45_000);
    expect(config.providers.task_queue.config).to.include({ visibilityTimeoutMs: 60_000 });
  });

  it('accepts a task_timeout below the visibility timeout', async () => {
    const config = await load('executor:\n  task_timeout: 2s\ntask_queue:\n  visibility_timeout: 3s\n');
    expect(config.executor.taskTimeoutMs).to.equal(2_000);
  });

  const tooLong: [string, string][] = [
    ['equal to', 'executor:\n  task_timeout: 60s\n'],
    ['above', 'executor:\n  task_timeout: 2m\n'],
    ['above a shortened', 'task_queue:\n  visibility_timeout: 30s\n'],
  ];
  for (const [what, yaml] of tooLong) {
    it(`refuses a task_timeout ${what} the visibility timeout, naming executor.task_timeout`, async () => {
      const err = await configError(load(yaml));
      expect(err.path).to.equal('executor.task_timeout');
      expect(err.message).to.match(/less than task_queue\.visibility_timeout/);
    });
  }

  it('does not limit task_timeout for a task queue without leases (no visibilityTimeoutMs)', async () => {
    const leaseless = defineProvider({
      name: 'leaseless',
      sections: {
        task_queue: {
          parseConfig: () => ({ partitions: 4 }),
          create: () => {
            throw new Error('not created in this test');
          },
        },
      },
    });
    const catalog = { ...providerCatalog, task_queue: { ...providerCatalog.task_queue, leaseless: async () => leaseless } };
    const config = await parseAppConfig({ executor: { task_timeout: '10m' }, task_queue: { type: 'leaseless' } }, catalog);
    expect(config.executor.taskTimeoutMs).to.equal(600_000);
  });
});

describe('loadConfig: api and slo', () => {
  const token = 'a-token-of-enough-length-42';

  it('defaults to loopback without tokens, and keeps tokens only as SHA-256 hashes', async () => {
    expect((await load('')).api).to.include({ address: '127.0.0.1', port: 8080, maxRangeMs: 31 * 86_400_000 });
    const config = await load('api:\n  address: 0.0.0.0\n  tokens:\n    - { name: ops, role: operator, token: "${OPS_TOKEN}" }\n', {
      OPS_TOKEN: token,
    });
    const [stored] = config.api.tokens;
    expect(stored).to.include({ name: 'ops', role: 'operator' });
    expect(stored!.sha256.toString('hex')).to.have.length(64);
    expect(JSON.stringify(config)).to.not.contain(token);
  });

  const refused: [string, string, string, RegExp][] = [
    ['a non-loopback address without tokens', 'api:\n  address: 0.0.0.0\n', 'api.tokens', /loopback/],
    ['a short token', 'api:\n  tokens:\n    - { name: a, role: viewer, token: short }\n', 'api.tokens.0.token', /16 characters/],
    ['an unknown role', `api:\n  tokens:\n    - { name: a, role: root, token: ${token} }\n`, 'api.tokens.0.role', /viewer|operator|admin/],
    [
      'a duplicate token name',
      `api:\n  tokens:\n    - { name: a, role: viewer, token: ${token} }\n    - { name: a, role: admin, token: ${token}x }\n`,
      'api.tokens.1.name',
      /duplicate/,
    ],
    ['an unknown key', 'api:\n  colour: red\n', 'api', /unknown key "colour"/],
    ['a bad max_range', 'api:\n  max_range: forever\n', 'api.max_range', /duration/],
    [
      'lost_after not above heartbeat_interval',
      'api:\n  heartbeat_interval: 10s\n  lost_after: 5s\n',
      'api.lost_after',
      /heartbeat_interval/,
    ],
    ['a bad max_staleness', 'slo:\n  max_staleness: soon\n', 'slo.max_staleness', /duration/],
  ];
  for (const [what, yaml, path, expected] of refused) {
    it(`refuses ${what}, naming ${path}`, async () => {
      const err = await configError(load(yaml));
      expect(err.path).to.equal(path);
      expect(err.message).to.match(expected);
      expect(err.message).to.not.contain(token);
    });
  }

  it('defaults slo.max_staleness to two intervals plus the delay', async () => {
    expect((await load('scheduler:\n  interval: 10m\n  delay: 1m\n')).slo.maxStalenessMs).to.equal(21 * 60_000);
    expect((await load('slo:\n  max_staleness: 1h\n')).slo.maxStalenessMs).to.equal(3_600_000);
  });
});
