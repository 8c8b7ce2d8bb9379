import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { parse } from 'csv-parse';
import { report } from './report.js';
import type { Suite } from './suite.js';

const SUITE = 'ingest';
const TAGS = 100;
const T0 = Date.UTC(2026, 0, 1);
const ROWS_PER_TRANSACTION = 1_000;

/** A wide CSV (`time` plus TAGS columns, one row a second) of about `bytes`; resolves with its rows. */
async function writeWideCsv(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  const header = ['time', ...Array.from({ length: TAGS }, (_, j) => `T${String(j).padStart(3, '0')}`)].join(',');
  out.write(`${header}\n`);
  let written = header.length + 1;
  let rows = 0;
  while (written < bytes) {
    const values = Array.from({ length: TAGS }, (_, j) => (((rows * 7 + j * 13) % 1000) / 10).toString());
    const line = `${new Date(T0 + rows * 1000).toISOString()},${values.join(',')}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    written += line.length;
    rows++;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return rows;
}

/** The baseline: the same file through csv-parse, bulk-inserted with better-sqlite3 into latigo's point table shape. */
async function baselineImport(file: string, databaseFile: string): Promise<number> {
  const db = new BetterSqlite3(databaseFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE sensor_point (sensor_id integer NOT NULL, time_ms bigint NOT NULL, value double precision, PRIMARY KEY (sensor_id, time_ms))',
  );
  const insert = db.prepare(
    'INSERT INTO sensor_point (sensor_id, time_ms, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
  );
  const writeRows = db.transaction((rows: string[][]) => {
    for (const row of rows) {
      const t = Date.parse(row[0]!);
      for (let j = 1; j < row.length; j++) insert.run(j, t, Number(row[j]));
    }
  });
  let points = 0;
  let batch: string[][] = [];
  let header = true;
  for await (const row of createReadStream(file).pipe(parse({ delimiter: ',' })) as AsyncIterable<string[]>) {
    if (header) {
      header = false;
      continue;
    }
    batch.push(row);
    points += row.length - 1;
    if (batch.length === ROWS_PER_TRANSACTION) {
      writeRows(batch);
      batch = [];
    }
  }
  writeRows(batch);
  db.close();
  return points;
}

/** `latigo import FILE` into a fresh SQLite database under /usr/bin/time; resolves with the seconds and the peak RSS (KiB). */
async function latigoImport(dir: string, file: string): Promise<{ seconds: number; peakRssKiB: number }> {
  const config = join(dir, 'import-bench.yaml');
  writeFileSync(config, `database:\n  url: sqlite:${join(dir, 'import.sqlite')}\nlogging:\n  level: warn\n`);
  const cli = join(import.meta.dirname, '../src/cli.js');
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'peak-rss-kib %M', process.execPath, cli, '--config', config, 'import', file], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seconds = (performance.now() - started) / 1000;
  const peak = /peak-rss-kib (\d+)/.exec(err)?.[1];
  if (code !== 0 || peak === undefined) throw new Error(`latigo import exited ${code}:\n${err}`);
  return { seconds, peakRssKiB: Number(peak) };
}

/**
 * `latigo import` of a wide CSV (1 GB at scale 1), against a baseline that parses the same file with the
 * same parser (csv-parse) and bulk-inserts with better-sqlite3 directly, in one process. Peak RSS of the
 * import process reported (target <= 300 MB).
 */
export const importCsv: Suite = async (dir, scale) => {
  const bytes = Math.max(5_000_000, Math.round(1_000_000_000 * scale));
  const file = join(dir, 'wide.csv');
  const rows = await writeWideCsv(file, bytes);
  const points = rows * TAGS;
  const sizes = { bytes: statSync(file).size, rows, tags: TAGS, points, scale, machine: 'shared 2-core machine, loaded by other jobs' };

  const baselineStarted = performance.now();
  const baselinePoints = await baselineImport(file, join(dir, 'baseline.sqlite'));
  const baselineRate = baselinePoints / ((performance.now() - baselineStarted) / 1000);
  process.stderr.write(`${SUITE}: baseline csv-parse + better-sqlite3 ${baselinePoints} points at ${Math.round(baselineRate)} points/s\n`);

  const { seconds, peakRssKiB } = await latigoImport(dir, file);
  const rate = points / seconds;
  process.stderr.write(
    `${SUITE}: latigo import ${points} points at ${Math.round(rate)} points/s, peak RSS ${Math.round(peakRssKiB / 1024)} MiB\n`,
  );
  const baseline = 'the same file parsed with csv-parse and bulk-inserted with better-sqlite3 directly, one process, same run';
  report({
    suite: SUITE,
    metric: 'import_csv_points_per_second',
    value: rate,
    unit: 'points/s',
    baseline,
    baseline_value: baselineRate,
    ...sizes,
  });
  report({
    suite: SUITE,
    metric: 'import_csv_ratio_vs_direct',
    value: rate / baselineRate,
    unit: 'ratio',
    baseline,
    baseline_value: baselineRate,
    target: '>=0.7',
  });
  report({ suite: SUITE, metric: 'import_csv_peak_rss', value: peakRssKiB / 1024, unit: 'MiB', target: '<=300', ...sizes });
};
