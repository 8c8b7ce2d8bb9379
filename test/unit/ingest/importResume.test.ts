import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedSensorStore } from '../../../providers/embedded/EmbeddedSensorStore.js';
import type { SensorPoints, SensorWriter, WritePointsResult } from '../../../src/contracts/SensorWriter.js';
import { ImportProgressStore } from '../../../src/ingest/ImportProgressStore.js';
import { importFile } from '../../../src/ingest/importFile.js';
import { silentLogger } from '../../../src/runtime/logger.js';
import { openTempDatabase, type TempDatabase } from '../embedded/tempDatabase.js';

const T0 = Date.UTC(2026, 0, 1);

describe('importFile resumes where a failed import stopped', () => {
  let temp: TempDatabase;
  let dir: string;
  beforeEach(async () => {
    temp = await openTempDatabase();
    dir = mkdtempSync(join(tmpdir(), 'latigo-import-'));
  });
  afterEach(async () => {
    await temp.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const format of ['csv', 'line'] as const) {
    it(`${format}: the second run reads only the rows after the last written chunk, and every point is stored once`, async () => {
      const rows = 1000;
      const path = join(dir, format === 'csv' ? 'data.csv' : 'data.lp');
      const text =
        format === 'csv'
          ? `time;a;b\n${Array.from({ length: rows }, (_, i) => `${new Date(T0 + i * 1000).toISOString()};${i};${-i}`).join('\n')}\n`
          : `${Array.from({ length: rows }, (_, i) => `m,tag=a value=${i} ${T0 + i * 1000}\nm,tag=b value=${-i} ${T0 + i * 1000}`).join('\n')}\n`;
      writeFileSync(path, text);
      const store = new EmbeddedSensorStore(temp.db, silentLogger);
      let writes = 0;
      const failing: SensorWriter = {
        defineSensors: (tags) => store.defineSensors(tags),
        async writePoints(points: readonly SensorPoints[]): Promise<WritePointsResult> {
          if (++writes === 4) throw new Error('disk full');
          return store.writePoints(points);
        },
      };
      const progress = new ImportProgressStore(temp.db, () => 0);
      const options = {
        batchPoints: 300,
        labelColumns: [],
        maxListed: 10,
        sensorTag: 'tag',
        now: () => 0,
        format,
        precision: 'ms' as const,
      };
      let failed = false;
      await importFile(path, failing, progress, options).catch(() => (failed = true));
      expect(failed).to.equal(true);
      const second = await importFile(path, store, progress, options);
      expect(second.resumedAt).to.be.greaterThan(0);
      // Three chunks of 300 points were written before the failure: the rest (2000 - 900 points) is read again, nothing more.
      expect(second.summary.points).to.equal(2 * rows - 900);
      const a = await store.getData([{ name: 'a', asset: '' }], { fromMs: T0, toMs: T0 + rows * 1000 }, 1000);
      expect(Array.from(a.columns[0]!)).to.deep.equal(Array.from({ length: rows }, (_, i) => i));
      const third = await importFile(path, store, progress, options);
      expect(third.alreadyImported).to.equal(true);
    });
  }
});
