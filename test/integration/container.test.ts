import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfigToken, buildContainer, ExecutorToken, SchedulerToken, type ProcessRole } from '../../src/composition/container.js';
import { providerCatalog } from '../../src/composition/registry.js';
import { loadConfig } from '../../src/config/loadConfig.js';
import { HealthCheck } from '../../src/contracts/HealthCheck.js';
import { DataWatermarks } from '../../src/contracts/DataWatermarks.js';
import { ModelInformationProvider } from '../../src/contracts/ModelInformationProvider.js';
import { ModelWriter } from '../../src/contracts/ModelWriter.js';
import { PredictionReader } from '../../src/contracts/PredictionReader.js';
import { PredictionStorageProvider } from '../../src/contracts/PredictionStorageProvider.js';
import { QueueInspector } from '../../src/contracts/QueueInspector.js';
import { SensorDataProvider } from '../../src/contracts/SensorDataProvider.js';
import { SensorWriter } from '../../src/contracts/SensorWriter.js';
import { TaskQueue } from '../../src/contracts/TaskQueue.js';
import { Database } from '../../src/persistence/dataSource.js';
import { silentLogger } from '../../src/runtime/logger.js';

describe('composition root', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'latigo-container-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function exampleConfig(dbName: string) {
    return loadConfig({
      file: 'local_config.example.yaml',
      env: { LATIGO_DATABASE__URL: `sqlite:${join(dir, dbName)}` },
      catalog: providerCatalog,
    });
  }

  const roles: [ProcessRole, typeof SchedulerToken | typeof ExecutorToken][] = [
    ['scheduler', SchedulerToken],
    ['executor', ExecutorToken],
    ['admin', SchedulerToken],
  ];
  for (const [role, token] of roles) {
    it(`resolves the ${role} role from local_config.example.yaml`, async () => {
      const config = await exampleConfig(`${role}.sqlite`);
      const container = buildContainer(config, role, silentLogger, { processName: `${role}-test` });
      const resolved = await container.getAsync(token);
      expect(resolved).to.be.an('object');
      expect(await container.getAsync(TaskQueue)).to.have.property('receive');
      expect(container.get(AppConfigToken)).to.equal(config);
      await (await container.getAsync<Database>(Database)).close();
    });
  }

  it('gives the scheduler the recorded data watermarks without binding any sensor store', async () => {
    const config = await exampleConfig('scheduler-only.sqlite');
    const container = buildContainer(config, 'scheduler', silentLogger, { processName: 'scheduler' });
    expect(container.isBound(SensorDataProvider)).to.equal(false);
    const watermarks = await container.getAsync(DataWatermarks);
    expect(await watermarks.watermarks(['never-written'])).to.deep.equal(new Map());
    await (await container.getAsync<Database>(Database)).close();
  });

  it('binds the capabilities the embedded providers declare, each the object serving its section', async () => {
    const config = await exampleConfig('capabilities.sqlite');
    const container = buildContainer(config, 'admin', silentLogger, { processName: 'admin' });
    expect(await container.getAsync(QueueInspector)).to.equal(await container.getAsync(TaskQueue));
    expect(await container.getAsync(PredictionReader)).to.equal(await container.getAsync(PredictionStorageProvider));
    expect(await container.getAsync(SensorWriter)).to.equal(await container.getAsync(SensorDataProvider));
    expect(await container.getAsync(ModelWriter)).to.equal(await container.getAsync(ModelInformationProvider));
    const checks = await container.getAllAsync(HealthCheck);
    expect(checks.map((c) => c.name)).to.deep.equal(['queue']);
    await checks[0]!.check();
    await (await container.getAsync<Database>(Database)).close();
  });

  it('binds the scheduler no reader of predictions, and the queue inspector its pacing reads', async () => {
    const config = await exampleConfig('scheduler-capabilities.sqlite');
    const container = buildContainer(config, 'scheduler', silentLogger, { processName: 'scheduler' });
    expect(container.isBound(PredictionReader)).to.equal(false);
    expect(container.isBound(QueueInspector)).to.equal(true);
  });

  it('opens no database until something needs it', async () => {
    const config = await exampleConfig('lazy.sqlite');
    buildContainer(config, 'executor', silentLogger, { processName: 'executor' });
    expect(existsSync(join(dir, 'lazy.sqlite'))).to.equal(false);
  });

  it('binds a third-party module named by type: module:<path>', async () => {
    const config = await loadConfig({
      env: {
        LATIGO_DATABASE__URL: `sqlite:${join(dir, 'third.sqlite')}`,
        LATIGO_SENSOR_DATA__TYPE: 'module:./test/fixtures/thirdPartySensorData.ts',
        LATIGO_SENSOR_DATA__VALUE: '7',
      },
      file: 'local_config.example.yaml',
      catalog: providerCatalog,
    });
    const container = buildContainer(config, 'executor', silentLogger, { processName: 'executor' });
    const provider = await container.getAsync(SensorDataProvider);
    const frame = await provider.getData([{ name: 'a', asset: 'x' }], { fromMs: 0, toMs: 30_000 }, 10_000);
    expect(Array.from(frame.columns[0]!)).to.deep.equal([7, 7, 7]);
  });
});
