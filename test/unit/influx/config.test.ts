import { expect } from 'chai';
import { parseInfluxPredictionConfig, parseInfluxSensorConfig } from '../../../providers/influx/config.js';
import { ConfigError } from '../../../src/runtime/errors.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  return expect.fail('expected a ConfigError');
}

describe('influx configuration', () => {
  it('fills every default', () => {
    const config = parseInfluxSensorConfig({}, 'sensor_data');
    expect(config).to.deep.include({
      url: 'http://localhost:8086',
      api: 'v1',
      database: 'latigo',
      retentionPolicy: '',
      bucket: 'latigo',
      timeoutMs: 10_000,
    });
    expect(config.sensors).to.deep.equal({
      measurement: 'sensor',
      sensorTag: 'tag',
      measurementPerSensor: false,
      field: 'value',
      assetTag: 'asset',
      unitTag: 'unit',
      chunkSize: 10_000,
    });
    expect(config.retry).to.deep.equal({ initialIntervalMs: 200, backoffCoefficient: 2, maximumIntervalMs: 2_000, maximumAttempts: 3 });
    const predictions = parseInfluxPredictionConfig({}, 'prediction_storage').predictions;
    expect(predictions).to.deep.equal({
      measurement: 'prediction',
      field: 'value',
      batchSize: 5_000,
      tags: { project: 'project', model: 'model', revision: 'revision', output: 'output', sensor: 'tag', issuedAt: 'issued_at' },
    });
  });

  it('names the key of a bad value', () => {
    expect(configError(() => parseInfluxSensorConfig({ api: 'v3' }, 'sensor_data')).path).to.equal('sensor_data.api');
    expect(configError(() => parseInfluxSensorConfig({ url: 'ftp://x' }, 'sensor_data')).path).to.equal('sensor_data.url');
    const withPassword = configError(() => parseInfluxSensorConfig({ url: 'http://admin:hunter2@influx:8086' }, 'sensor_data'));
    expect(withPassword.message)
      .to.match(/sensor_data.url: expected a URL without credentials/)
      .and.not.contain('hunter2');
    expect(configError(() => parseInfluxSensorConfig({ measurement: 'a\nb' }, 'sensor_data')).message).to.match(
      /sensor_data.measurement: .*line break/,
    );
    expect(configError(() => parseInfluxPredictionConfig({ tags: { output: 'a\\' } }, 'prediction_storage')).path).to.equal(
      'prediction_storage.tags.output',
    );
    expect(configError(() => parseInfluxSensorConfig({ bucket_name: 'x' }, 'sensor_data')).message).to.match(/unknown key "bucket_name"/);
  });

  it('refuses two prediction tags with the same key', () => {
    const err = configError(() => parseInfluxPredictionConfig({ tags: { model: 'name', sensor: 'name' } }, 'prediction_storage'));
    expect(err.path).to.equal('prediction_storage.tags.sensor');
    expect(err.message).to.match(/already used by tags.model/);
  });

  it('refuses sensor-layout keys in the prediction section and prediction keys in the sensor sections', () => {
    expect(configError(() => parseInfluxPredictionConfig({ sensor_tag: 'x' }, 'prediction_storage')).message).to.match(
      /unknown key "sensor_tag"/,
    );
    expect(configError(() => parseInfluxSensorConfig({ batch_size: 10 }, 'sensor_data')).message).to.match(/unknown key "batch_size"/);
  });
});
