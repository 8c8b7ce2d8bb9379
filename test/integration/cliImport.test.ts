import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { runCli } from './helpers/cli.js';
import { DatabaseReader } from './helpers/sqlite.js';
import { storedPoints } from './helpers/storedPoints.js';
import { Workspace } from './helpers/workspace.js';

const T0 = Date.UTC(2026, 2, 1);

describe('latigo import (real CLI, SQLite; files generated here)', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let config: string;

  before(() => {
    workspace = new Workspace('import');
    config = workspace.writeConfig(workspace.testConfig());
  });
  after(() => workspace?.remove());

  const valuesOf = (db: DatabaseReader, sensor: string) => storedPoints(db, sensor);

  it('imports a wide semicolon CSV with a datetime column and an anomaly column without flags, keeps the labels out, and skips it the second time', async () => {
    const file = join(workspace.dir, 'bench export.csv');
    const rows = ['datetime;"Pump ""A""; flow";Temp 2;anomaly'];
    for (let i = 0; i < 600; i++) {
      const t = new Date(T0 + i * 60_000);
      const dmy = `${String(t.getUTCDate()).padStart(2, '0')}.${String(t.getUTCMonth() + 1).padStart(2, '0')}.${t.getUTCFullYear()}`;
      const hm = `${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')}:00`;
      rows.push(`${dmy} ${hm};${i},25;${-i};${i >= 100 && i < 110 ? 1 : 0}`);
    }
    writeFileSync(file, `${rows.join('\n')}\n`);
    const labels = join(workspace.dir, 'labels.json');
    const first = await runCli(['--config', config, 'import', file, '--tag-prefix', 'bench/', '--labels-out', labels], {
      cwd: workspace.dir,
    });
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.include('1,200 points of 2 sensors from 600 rows');
    expect(first.stdout).to.include('label column "anomaly" kept out of the sensors: 1 labelled interval(s)');
    expect(first.stderr).to.match(/import .*bench export\.csv: .*points\/s/); // the progress line (not a terminal: one line per 5 s and at the end)
    expect(JSON.parse(readFileSync(labels, 'utf8'))).to.deep.equal({
      anomaly: [{ from: new Date(T0 + 100 * 60_000).toISOString(), to: new Date(T0 + 110 * 60_000).toISOString(), label: 'anomaly' }],
    });
    const db = new DatabaseReader(workspace.databasePath);
    try {
      const flow = valuesOf(db, 'bench/Pump "A"; flow');
      expect(flow).to.have.length(600);
      expect(flow[3]).to.deep.equal({ time_ms: T0 + 3 * 60_000, value: 3.25 });
      expect(valuesOf(db, 'bench/anomaly')).to.have.length(0);
      expect(db.count("SELECT latest_ms FROM sensor_watermark WHERE sensor = 'bench/Temp 2'")).to.equal(T0 + 599 * 60_000);
    } finally {
      db.close();
    }
    const again = await runCli(['--config', config, 'import', file, '--tag-prefix', 'bench/'], { cwd: workspace.dir });
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.include('already imported');
  });

  it('imports a long CSV and lists its bad rows by line and column (exit 1, the good rows stored)', async () => {
    const file = join(workspace.dir, 'long.csv');
    writeFileSync(
      file,
      `tag,time,value\nlong-a,${new Date(T0).toISOString()},1.5\nlong-a,${new Date(T0 + 1000).toISOString()},oops\nlong-b,${new Date(T0).toISOString()},2\n`,
    );
    const result = await runCli(['--config', config, 'import', file], { cwd: workspace.dir });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.include('2 points of 2 sensors from 3 rows');
    expect(result.stderr).to.include('1 rows rejected').and.include('line 3, column "value": "oops" is not a number');
    const db = new DatabaseReader(workspace.databasePath);
    try {
      expect(valuesOf(db, 'long-a')).to.deep.equal([{ time_ms: T0, value: 1.5 }]);
      expect(valuesOf(db, 'long-b')).to.deep.equal([{ time_ms: T0, value: 2 }]);
    } finally {
      db.close();
    }
  });

  it('imports a Parquet file (TIMESTAMP time column, DOUBLE and INT32 sensors, two row groups)', async () => {
    const file = join(workspace.dir, 'plant.parquet');
    const n = 2500;
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'timestamp', data: Array.from({ length: n }, (_, i) => new Date(T0 + i * 1000)), type: 'TIMESTAMP' },
        { name: 'pq flow, "x"', data: Float64Array.from({ length: n }, (_, i) => i / 4), type: 'DOUBLE' },
        { name: 'pq_count', data: Int32Array.from({ length: n }, (_, i) => i), type: 'INT32' },
      ],
      rowGroupSize: 1000,
    });
    writeFileSync(file, Buffer.from(buffer));
    const result = await runCli(['--config', config, 'import', file], { cwd: workspace.dir });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`${(2 * n).toLocaleString('en-US')} points of 2 sensors from ${n.toLocaleString('en-US')} rows`);
    const db = new DatabaseReader(workspace.databasePath);
    try {
      const flow = valuesOf(db, 'pq flow, "x"');
      expect(flow).to.have.length(n);
      expect(flow[2001]).to.deep.equal({ time_ms: T0 + 2001_000, value: 2001 / 4 });
      expect(valuesOf(db, 'pq_count')[2499]).to.deep.equal({ time_ms: T0 + 2499_000, value: 2499 });
    } finally {
      db.close();
    }
  });
});
