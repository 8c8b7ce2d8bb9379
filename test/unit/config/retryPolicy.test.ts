import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { parseWith, readRenamedKeys, retryPolicy } from '../../../src/config/schema.js';
import { providerCatalog } from '../../../src/composition/registry.js';
import { ConfigError } from '../../../src/runtime/errors.js';
import { parseDataApiConfig } from '../../../providers/data-api/config.js';
import { parseEmbeddedQueueConfig } from '../../../providers/database-queue/config.js';
import { parseEventHubConfig } from '../../../providers/eventhub/config.js';
import { parseInfluxPredictionConfig, parseInfluxSensorConfig } from '../../../providers/influx/config.js';
import { documentedExample } from '../../fixtures/documentedExample.js';

/** The DeprecationWarnings emitted while `run` runs, by message. */
async function deprecations(run: () => unknown): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (warning: Error & { code?: string }) => {
    if (warning.code === 'LATIGO_DEPRECATED_KEY') seen.push(warning.message);
  };
  process.on('warning', onWarning);
  try {
    await run();
    // process.emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

/** The configuration `loadConfig` makes of `yamlText` in a file of its own (removed after). */
async function loadYaml(yamlText: string) {
  const dir = mkdtempSync(join(tmpdir(), 'latigo-retry-'));
  try {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, yamlText);
    return await loadConfig({ file, env: {}, catalog: providerCatalog });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const policy = (maximumAttempts: number, initialIntervalMs: number, backoffCoefficient: number, maximumIntervalMs: number) => ({
  maximumAttempts,
  initialIntervalMs,
  backoffCoefficient,
  maximumIntervalMs,
});
const hub = 'Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0;EntityPath=tasks';
const dataApi = { base_url: 'https://api.example.com/timeseries/v1.7', credential: { kind: 'static', token: 't' } };

describe('the one retry block', () => {
  const schema = retryPolicy(policy(4, 500, 2, 10_000));

  it('reads maximum_attempts, initial_interval, backoff_coefficient and maximum_interval, intervals as durations', () => {
    expect(
      parseWith(schema, { maximum_attempts: 6, initial_interval: '250ms', backoff_coefficient: 1.5, maximum_interval: '1m' }, 'x.retry'),
    ).to.deep.equal(policy(6, 250, 1.5, 60_000));
    expect(parseWith(schema, undefined, 'x.retry')).to.deep.equal(policy(4, 500, 2, 10_000));
  });

  it('refuses a maximum_interval below initial_interval and unknown keys, naming the key', () => {
    expect(() => parseWith(schema, { initial_interval: '2s', maximum_interval: '1s' }, 'x.retry')).to.throw(
      ConfigError,
      'x.retry.maximum_interval',
    );
    expect(() => parseWith(schema, { max_retries: 3 }, 'x.retry')).to.throw(ConfigError, 'unknown key "max_retries"');
  });

  it('has the same shape in every section that retries: executor, influx, data_api, both task queues and the Event Hubs SDK', async () => {
    const block = { maximum_attempts: 2, initial_interval: '1s', backoff_coefficient: 1, maximum_interval: '2s' };
    const expected = policy(2, 1_000, 1, 2_000);
    expect((await loadYaml(`executor:\n  retry: ${JSON.stringify(block)}\n`)).executor.retry).to.deep.equal(expected);
    expect(parseInfluxSensorConfig({ retry: block }, 'sensor_data').retry).to.deep.equal(expected);
    expect(parseDataApiConfig({ ...dataApi, retry: block }, 'sensor_data').retry).to.deep.equal(expected);
    expect(parseEmbeddedQueueConfig({ retry: block }, 'task_queue').retry).to.deep.equal(expected);
    const eventHub = parseEventHubConfig({ connection_string: hub, retry: block, connection_retry: block }, 'task_queue');
    expect(eventHub.retry).to.deep.equal(expected);
    expect(eventHub.connectionRetry).to.deep.equal(expected);
  });

  it('refuses an Event Hubs connection_retry backoff the SDK cannot do', () => {
    expect(() => parseEventHubConfig({ connection_string: hub, connection_retry: { backoff_coefficient: 3 } }, 'task_queue')).to.throw(
      ConfigError,
      'task_queue.connection_retry.backoff_coefficient',
    );
  });
});

describe('renamed keys: read for one release with a deprecation warning naming the new key', () => {
  it('executor.retry.initial_interval_ms and maximum_interval_ms', async () => {
    let retry: unknown;
    const warnings = await deprecations(async () => {
      retry = (await loadYaml('executor:\n  retry:\n    initial_interval_ms: 50\n    maximum_interval_ms: 400\n    maximum_attempts: 3\n'))
        .executor.retry;
    });
    expect(retry).to.deep.equal(policy(3, 50, 2, 400));
    expect(warnings).to.deep.equal([
      'executor.retry.initial_interval_ms is deprecated and will stop being read in the next release; use executor.retry.initial_interval',
      'executor.retry.maximum_interval_ms is deprecated and will stop being read in the next release; use executor.retry.maximum_interval',
    ]);
  });

  it('database busy_timeout_ms, statement_timeout_ms and connect_timeout_ms', async () => {
    let database: unknown;
    const warnings = await deprecations(async () => {
      database = (await loadYaml('database:\n  busy_timeout_ms: 1000\n  statement_timeout_ms: 0\n  connect_timeout_ms: 2000\n')).database;
    });
    expect(database).to.deep.include({ busyTimeoutMs: 1_000, statementTimeoutMs: 0, connectTimeoutMs: 2_000 });
    expect(warnings.map((w) => w.split('; use ')[1])).to.deep.equal([
      'database.busy_timeout',
      'database.statement_timeout',
      'database.connect_timeout',
    ]);
  });

  it('influx retry.*_ms and timeout_ms', async () => {
    let config: ReturnType<typeof parseInfluxPredictionConfig> | undefined;
    const warnings = await deprecations(() => {
      config = parseInfluxPredictionConfig(
        { timeout_ms: 700, retry: { initial_interval_ms: 10, maximum_interval_ms: 90, maximum_attempts: 2 } },
        'prediction_storage',
      );
    });
    expect(config!.retry).to.deep.equal(policy(2, 10, 2, 90));
    expect(config!.timeoutMs).to.equal(700);
    expect(warnings.map((w) => w.split(';')[1])).to.deep.equal([
      ' use prediction_storage.retry.initial_interval',
      ' use prediction_storage.retry.maximum_interval',
      ' use prediction_storage.timeout',
    ]);
  });

  it('data_api request_retry', async () => {
    let config: ReturnType<typeof parseDataApiConfig> | undefined;
    const warnings = await deprecations(() => {
      config = parseDataApiConfig(
        { ...dataApi, request_retry: { maximum_attempts: 3, initial_interval: 5, maximum_interval: 50 } },
        'sensor_data',
      );
    });
    expect(config!.retry).to.deep.equal(policy(3, 5, 2, 50));
    expect(warnings).to.have.length(3);
    expect(warnings[0]).to.equal(
      'sensor_data.request_retry.maximum_attempts is deprecated and will stop being read in the next release; use sensor_data.retry.maximum_attempts',
    );
  });

  it('embedded task_queue max_attempts, retry_backoff and max_retry_backoff', async () => {
    let config: ReturnType<typeof parseEmbeddedQueueConfig> | undefined;
    const warnings = await deprecations(() => {
      config = parseEmbeddedQueueConfig({ max_attempts: 3, retry_backoff: '1s', max_retry_backoff: '1m' }, 'task_queue');
    });
    expect(config!.retry).to.deep.equal(policy(3, 1_000, 2, 60_000));
    expect(warnings.map((w) => w.replace(/ is deprecated.*; use /, ' -> '))).to.deep.equal([
      'task_queue.max_attempts -> task_queue.retry.maximum_attempts',
      'task_queue.retry_backoff -> task_queue.retry.initial_interval',
      'task_queue.max_retry_backoff -> task_queue.retry.maximum_interval',
    ]);
  });

  it('Event Hubs: the SDK block moves from retry to connection_retry (retries become attempts), redelivery keys into retry', async () => {
    let config: ReturnType<typeof parseEventHubConfig> | undefined;
    const warnings = await deprecations(() => {
      config = parseEventHubConfig(
        {
          connection_string: hub,
          max_attempts: 7,
          retry_backoff: '2s',
          max_retry_backoff: '1m',
          retry: { max_retries: 2, mode: 'fixed', delay: '300ms', max_delay: '3s', timeout: '9s' },
        },
        'task_queue',
      );
    });
    expect(config!.retry).to.deep.equal(policy(7, 2_000, 2, 60_000));
    expect(config!.connectionRetry).to.deep.equal(policy(3, 300, 1, 3_000));
    expect(config!.operationTimeoutMs).to.equal(9_000);
    expect(warnings.map((w) => w.replace(/ is deprecated.*; use /, ' -> '))).to.deep.equal([
      'task_queue.retry.max_retries -> task_queue.connection_retry.maximum_attempts (read as task_queue.connection_retry.maximum_attempts: 3)',
      'task_queue.retry.mode -> task_queue.connection_retry.backoff_coefficient (read as task_queue.connection_retry.backoff_coefficient: 1)',
      'task_queue.retry.delay -> task_queue.connection_retry.initial_interval',
      'task_queue.retry.max_delay -> task_queue.connection_retry.maximum_interval',
      'task_queue.retry.timeout -> task_queue.operation_timeout',
      'task_queue.max_attempts -> task_queue.retry.maximum_attempts',
      'task_queue.retry_backoff -> task_queue.retry.initial_interval',
      'task_queue.max_retry_backoff -> task_queue.retry.maximum_interval',
    ]);
  });

  it('refuses an old key set together with its replacement, naming both', () => {
    expect(() => readRenamedKeys({ timeout_ms: 1, timeout: 2 }, 'sensor_data', [{ from: 'timeout_ms', to: 'timeout' }])).to.throw(
      ConfigError,
      'sensor_data.timeout_ms: was renamed sensor_data.timeout, which is also set; keep only sensor_data.timeout',
    );
  });

  it('emits no warning for a configuration in the new shape, and leaves its input untouched', async () => {
    const raw = { retry: { maximum_attempts: 2 } };
    const warnings = await deprecations(() => parseEmbeddedQueueConfig(raw, 'task_queue'));
    expect(warnings).to.deep.equal([]);
    const old = { max_attempts: 2 };
    await deprecations(() => parseEmbeddedQueueConfig(old, 'task_queue'));
    expect(old).to.deep.equal({ max_attempts: 2 });
  });
});

describe('the influx and eventhub retry blocks documented in local_config.example.yaml', () => {
  it('are in the new shape (no deprecation warning) and show the defaults', async () => {
    const pick = (options: Record<string, unknown>, keys: string[]) =>
      Object.fromEntries(keys.filter((k) => k in options).map((k) => [k, options[k]]));
    const warnings = await deprecations(() => {
      const influx = pick(documentedExample('sensor_data', 'influx'), ['retry', 'timeout']);
      expect(influx).to.have.keys('retry', 'timeout');
      const parsedInflux = parseInfluxSensorConfig(influx, 'sensor_data');
      const influxDefaults = parseInfluxSensorConfig({}, 'sensor_data');
      expect([parsedInflux.retry, parsedInflux.timeoutMs]).to.deep.equal([influxDefaults.retry, influxDefaults.timeoutMs]);

      const hubExample = pick(documentedExample('task_queue', 'eventhub'), ['retry', 'connection_retry', 'operation_timeout']);
      expect(hubExample).to.have.keys('retry', 'connection_retry', 'operation_timeout');
      const parsedHub = parseEventHubConfig({ connection_string: hub, ...hubExample }, 'task_queue');
      const hubDefaults = parseEventHubConfig({ connection_string: hub }, 'task_queue');
      expect([parsedHub.retry, parsedHub.connectionRetry, parsedHub.operationTimeoutMs]).to.deep.equal([
        hubDefaults.retry,
        hubDefaults.connectionRetry,
        hubDefaults.operationTimeoutMs,
      ]);
    });
    expect(warnings).to.deep.equal([]);
  });
});
