import { expect } from 'chai';
import { configToEnvironment, formatDotenv, formatExports, maskedValue } from '../../../src/cli/setEnv.js';
import { applyEnvOverrides } from '../../../src/config/loadConfig.js';
import { ConfigError } from '../../../src/runtime/errors.js';

describe('configToEnvironment', () => {
  it('names each key LATIGO_<SECTION>__<KEY>, levels joined by two underscores', () => {
    const variables = configToEnvironment({
      executor: { concurrency: 16, retry: { maximum_attempts: 3 } },
      task_queue: { type: 'embedded' },
    });
    expect(variables.map((v) => [v.name, v.value, v.path])).to.deep.equal([
      ['LATIGO_EXECUTOR__CONCURRENCY', '16', 'executor.concurrency'],
      ['LATIGO_EXECUTOR__RETRY__MAXIMUM_ATTEMPTS', '3', 'executor.retry.maximum_attempts'],
      ['LATIGO_TASK_QUEUE__TYPE', 'embedded', 'task_queue.type'],
    ]);
  });

  it('writes text that would read back as another type, or over several lines, JSON-quoted', () => {
    const config = {
      demo: { project: '123' },
      scheduler: { name: 'true', start_time: '2020-01-01T00:00:00' },
      logging: { level: 'two\nlines' },
    };
    const values = Object.fromEntries(configToEnvironment(config).map((v) => [v.path, v.value]));
    expect(values).to.deep.equal({
      'demo.project': '"123"',
      'scheduler.name': '"true"',
      'scheduler.start_time': '2020-01-01T00:00:00',
      'logging.level': '"two\\nlines"',
    });
  });

  it('carries lists as one JSON value, which the service reads back unchanged', () => {
    const models = [{ project: 'p', name: 'm', tags: ['a', 'b'] }];
    const [variable] = configToEnvironment({ model_info: { models } });
    const readBack: Record<string, unknown> = {};
    applyEnvOverrides(readBack, { [variable!.name]: variable!.value });
    expect(readBack).to.deep.equal({ model_info: { models } });
  });

  it('leaves null keys out and refuses keys an environment variable cannot name', () => {
    expect(configToEnvironment({ executor: { concurrency: null } })).to.deep.equal([]);
    expect(() => configToEnvironment({ executor: { Concurrency: 4 } })).to.throw(ConfigError, 'executor.Concurrency');
    expect(() => configToEnvironment({ sensor_data: { tag__map: 'x' } })).to.throw(ConfigError, 'sensor_data.tag__map');
  });

  it('marks secrets by key name and by a password inside a URL, and masks only the secret part', () => {
    const variables = configToEnvironment({
      database: { url: 'postgres://latigo:s3cret@db:5432/latigo' },
      sensor_data: { type: 'influx', token: 'abc', url: 'http://influx:8086' },
      task_queue: { connection_string: 'Endpoint=sb://x/;SharedAccessKey=k' },
    });
    const masked = Object.fromEntries(variables.map((v) => [v.path, maskedValue(v)]));
    expect(masked).to.deep.equal({
      'database.url': 'postgres://latigo:***@db:5432/latigo',
      'sensor_data.type': 'influx',
      'sensor_data.token': '***',
      'sensor_data.url': 'http://influx:8086',
      'task_queue.connection_string': '***',
    });
  });
});

describe('formatExports and formatDotenv', () => {
  const variables = configToEnvironment({ database: { url: "postgres://u:it's $x@db/l" }, scheduler: { name: 'plain' } });

  it('single-quotes export values, a quote inside closed and reopened', () => {
    expect(formatExports(variables, { reveal: true })).to.equal(
      "export LATIGO_DATABASE__URL='postgres://u:it'\\''s $x@db/l'\nexport LATIGO_SCHEDULER__NAME='plain'\n",
    );
    expect(formatExports(variables, { reveal: false })).to.contain("export LATIGO_DATABASE__URL='postgres://u:***@db/l'");
  });

  it('writes compose env-file lines: literal single quotes, or double quotes with escapes and $$ when a quote is inside', () => {
    const lines = formatDotenv(variables, 'local_config.yaml').split('\n');
    expect(lines[0]).to.match(/^# Written by `latigo set-env --dotenv` from local_config\.yaml/);
    expect(lines.slice(1)).to.deep.equal(['LATIGO_DATABASE__URL="postgres://u:it\'s $$x@db/l"', "LATIGO_SCHEDULER__NAME='plain'", '']);
  });
});
