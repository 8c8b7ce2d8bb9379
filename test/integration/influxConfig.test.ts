import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildContainer } from '../../src/composition/container.js';
import { providerCatalog } from '../../src/composition/registry.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { PredictionStorageProvider } from '../../src/contracts/PredictionStorageProvider.js';
import { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { InfluxPredictionStorage } from '../../providers/influx/InfluxPredictionStorage.js';
import { InfluxSensorDataProvider } from '../../providers/influx/InfluxSensorDataProvider.js';
import { InfluxSensorInformation } from '../../providers/influx/InfluxSensorInformation.js';

/** The commented `type: influx` blocks of local_config.example.yaml, uncommented, as an operator would. */
function exampleInfluxSections(): string {
  const lines = readFileSync('local_config.example.yaml', 'utf8').split('\n');
  const start = lines.findIndex((l) => l === '# sensor_data:' && lines[lines.indexOf(l) + 1] === '#   type: influx');
  expect(start, 'the influx example block').to.be.greaterThan(0);
  const block: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('#')) break;
    // Prose (`# Or ...`) ends the block; keys (`#   key: ...`) and section headers belong to it.
    if (/^# \S/.test(line) && !/^# (sensor_data|prediction_storage):$/.test(line)) break;
    block.push(line.replace(/^# ?/, ''));
  }
  return block.join('\n');
}

describe('influx: the configuration documented in local_config.example.yaml', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'latigo-influx-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads and binds the influx providers of every role, without connecting', async () => {
    const sections = exampleInfluxSections();
    expect(sections).to.contain('type: influx').and.contain('prediction_storage:');
    const file = join(dir, 'config.yaml');
    // sensor_information takes the same keys as sensor_data.
    const sensorData = sections.slice(0, sections.indexOf('prediction_storage:'));
    writeFileSync(
      file,
      `database: { url: "sqlite:${join(dir, 'db.sqlite')}" }\n${sections}\n${sensorData.replace('sensor_data:', 'sensor_information:')}`,
    );
    const config = await loadConfig({ file, env: { INFLUX_TOKEN: 'from-the-environment' }, catalog: providerCatalog });
    expect(config.providers.sensor_data.type).to.equal('influx');
    expect(config.providers.sensor_data.config).to.deep.include({ token: 'from-the-environment', url: 'http://localhost:8086', api: 'v1' });
    const container = buildContainer(config, 'admin', silentLogger, { processName: 'config-test' });
    expect(await container.getAsync(SensorDataProvider)).to.be.instanceOf(InfluxSensorDataProvider);
    expect(await container.getAsync(SensorInformationProvider)).to.be.instanceOf(InfluxSensorInformation);
    expect(await container.getAsync(PredictionStorageProvider)).to.be.instanceOf(InfluxPredictionStorage);
  });

  it('stops at an unknown type-specific key with its path', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'sensor_data:\n  type: influx\n  measurment: sensor\n');
    const err = await loadConfig({ file, env: {}, catalog: providerCatalog }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/invalid configuration at sensor_data: unknown key "measurment"/);
  });
});
