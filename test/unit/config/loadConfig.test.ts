import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { providerCatalog } from '../../../src/composition/registry.js';
import { ConfigError } from '../../../src/runtime/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'latigo-config-'));
function yamlFile(text: string): string {
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
    const config = await load('database:\n  url: "sqlite:${DB_DIR}/x.sqlite"\nscheduler:\n  name: "${MISSING:-fallback}"\n', { DB_DIR: '/var/lib/latigo' });
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
      LATIGO_EXECUTOR__CONCURRENCY: '16', LATIGO_SCHEDULER__RUN_AT_ONCE: 'false', LATIGO_EXECUTOR__RETRY__MAXIMUM_ATTEMPTS: '7',
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
