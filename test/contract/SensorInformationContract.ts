import { expect } from 'chai';
import type { SensorInformationProvider } from '../../src/contracts/SensorInformationProvider.js';
import type { SensorTag } from '../../src/domain/SensorTag.js';
import { awkwardTagNames } from './SensorDataContract.js';

/** What one run of the suite needs from an implementation; made afresh for every test. */
export interface SensorInformationSubject {
  /** A provider over an empty source. */
  readonly provider: SensorInformationProvider;
  /** Makes these sensors exist in the backend. Called at most once per test. */
  seed(tags: readonly SensorTag[]): Promise<void>;
  /** Releases what makeSubject acquired (databases, servers, temporary files). */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every SensorInformationProvider must show: sensors ordered by name (UTF-16 code
 * units, as JavaScript compares strings), filtered by asset, names compared exactly.
 */
export function describeSensorInformationContract(name: string, makeSubject: () => Promise<SensorInformationSubject>): void {
  describe(`SensorInformationProvider contract: ${name}`, () => {
    let subject: SensorInformationSubject | undefined;
    const current = (): SensorInformationSubject => subject ?? expect.fail('makeSubject did not complete');

    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject?.cleanup();
      subject = undefined;
    });

    const pump: SensorTag = { name: 'pump flow', asset: 'pump', unit: 'm3/h' };
    const pumpTemp: SensorTag = { name: 'Pump temperature', asset: 'pump', unit: '°C' };
    const valve: SensorTag = { name: 'valve position', asset: 'valve' };

    it('lists an empty source as []', async () => {
      expect(await current().provider.listSensors()).to.deep.equal([]);
    });

    it('lists every sensor ordered by name', async () => {
      await current().seed([valve, pump, pumpTemp]);
      // Code-unit order: upper case sorts before lower case.
      expect(await current().provider.listSensors()).to.deep.equal([pumpTemp, pump, valve]);
    });

    it('lists only the sensors of the asset asked for, and [] for an unknown asset', async () => {
      await current().seed([valve, pump, pumpTemp]);
      expect(await current().provider.listSensors({ asset: 'pump' })).to.deep.equal([pumpTemp, pump]);
      expect(await current().provider.listSensors({ asset: 'no such asset' })).to.deep.equal([]);
    });

    it('finds sensors by their exact name only', async () => {
      await current().seed([pump]);
      expect(await current().provider.sensorExists('pump flow')).to.equal(true);
      expect(await current().provider.sensorExists('Pump flow')).to.equal(false);
      expect(await current().provider.sensorExists('pump flow ')).to.equal(false);
      expect(await current().provider.sensorExists('pump')).to.equal(false);
    });

    it('describes a sensor with its asset and unit, and an unknown one as undefined', async () => {
      await current().seed([pump, valve]);
      expect(await current().provider.describeSensor('pump flow')).to.deep.equal(pump);
      expect(await current().provider.describeSensor('valve position')).to.deep.equal(valve);
      expect(await current().provider.describeSensor('nothing')).to.equal(undefined);
    });

    it('round-trips sensor names with quotes, spaces, unicode and newlines', async () => {
      const tags = awkwardTagNames.map((n) => ({ name: n, asset: `asset of ${n}` }));
      await current().seed(tags);
      const listed = await current().provider.listSensors();
      expect(listed.map((t) => t.name)).to.deep.equal([...awkwardTagNames].sort());
      for (const tag of tags) {
        expect(await current().provider.sensorExists(tag.name), JSON.stringify(tag.name)).to.equal(true);
        expect(await current().provider.describeSensor(tag.name)).to.deep.equal(tag);
        expect(await current().provider.listSensors({ asset: tag.asset })).to.deep.equal([tag]);
      }
    });
  });
}
