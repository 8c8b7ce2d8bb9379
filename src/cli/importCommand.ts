import { writeFileSync } from 'node:fs';
import { ImportProgressStore } from '../ingest/ImportProgressStore.js';
import { importFile, type ImportFormat } from '../ingest/importFile.js';
import { IngestInputError } from '../ingest/IngestInputError.js';
import { toPrecision } from '../ingest/lineProtocolPoints.js';
import { describeLocation } from '../ingest/ParsedChunk.js';
import { timezoneProblem, toTimeFormat } from '../ingest/parseTime.js';
import { Database } from '../persistence/Database.js';
import { systemClock } from '../runtime/clock.js';
import { isAbortError } from '../runtime/errors.js';
import { ingestTarget } from './ingestWriter.js';
import { createProgress } from './progress.js';
import { runCommand, ExitCode, type GlobalOptions } from './runCommand.js';

interface ImportCommandOptions {
  format?: ImportFormat;
  tagPrefix?: string;
  timeColumn?: string;
  timezone?: string;
  timeFormat?: string;
  delimiter?: string;
  precision?: string;
  restart?: boolean;
  labelsOut?: string;
}

/**
 * `latigo import FILE...`: sensor points from CSV, Parquet or line-protocol files into the configured sensor
 * store, through the same parsers, validation and SensorWriter (with watermarks) as POST /api/v1/ingest.
 * A bar shows bytes (rows for Parquet), points/s and ETA. Resumable per file; Ctrl-C stops after the chunk
 * being written, and the same command continues. Exits 1 when rows were rejected (they are listed).
 */
export async function runImport(files: string[], options: ImportCommandOptions, globals: GlobalOptions): Promise<never> {
  return runCommand(globals, { processName: 'import', logTo: 'stderr', stoppable: true }, async ({ config, container, stopSignal }) => {
    if (options.timezone !== undefined) {
      const problem = timezoneProblem(options.timezone);
      if (problem !== undefined) throw new IngestInputError(`--timezone: ${problem}`, undefined, '--timezone');
    }
    const precision = toPrecision(options.precision);
    if (precision === undefined) throw new IngestInputError('--precision must be n, ns, u, us, ms, s, m or h', undefined, '--precision');
    const root = container('admin');
    const target = await ingestTarget(root, systemClock);
    if (target.writer === undefined) {
      throw new Error(
        `sensor_data type "${config.providers.sensor_data.type}" cannot store points (no SensorWriter); import needs embedded or influx`,
      );
    }
    const store = new ImportProgressStore(await root.getAsync<Database>(Database), systemClock);
    let failed = false;
    const allLabels: Record<string, { from: string; to: string; label: string }[]> = {};
    for (const file of files) {
      const started = Date.now();
      const progress = createProgress(`import ${file}`, { unit: 'bytes' });
      let result;
      try {
        result = await importFile(file, target.writer, store, {
          batchPoints: config.ingest.batchPoints,
          labelColumns: config.ingest.labelColumns,
          maxListed: config.ingest.maxListedRejections,
          sensorTag: config.ingest.lineProtocolSensorTag,
          now: systemClock,
          signal: stopSignal,
          restart: options.restart === true,
          precision,
          timeFormat: toTimeFormat(options.timeFormat),
          ...(options.format === undefined ? {} : { format: options.format }),
          ...(options.tagPrefix === undefined ? {} : { tagPrefix: options.tagPrefix }),
          ...(options.timeColumn === undefined ? {} : { timeColumn: options.timeColumn }),
          ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
          ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
          onProgress: (done, total, points) => {
            const seconds = Math.max(0.001, (Date.now() - started) / 1000);
            progress.update(
              done,
              total,
              `${points.toLocaleString('en-US')} points, ${Math.round(points / seconds).toLocaleString('en-US')} points/s`,
            );
          },
        });
      } catch (err) {
        progress.stop();
        if (isAbortError(err) || stopSignal.aborted) {
          process.stdout.write(`${file}: stopped; run the same command again to continue where it stopped\n`);
          return ExitCode.failed;
        }
        if (err instanceof IngestInputError) {
          process.stderr.write(`latigo: ${file}: ${err.message}\n`);
          failed = true;
          continue;
        }
        throw err;
      }
      progress.stop();
      if (result.alreadyImported) {
        process.stdout.write(`${file}: already imported (unchanged since); --restart imports it again\n`);
        continue;
      }
      const s = result.summary;
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(
        `${file}: ${s.points.toLocaleString('en-US')} points of ${s.sensors} sensors from ${s.rows.toLocaleString('en-US')} rows` +
          `${result.resumedAt > 0 ? ` (resumed after ${result.format === 'parquet' ? 'row' : 'line'} ${result.resumedAt})` : ''}` +
          ` in ${seconds.toFixed(1)} s (${Math.round(s.points / Math.max(seconds, 0.001)).toLocaleString('en-US')} points/s)` +
          `${s.nonFinite > 0 ? `; ${s.nonFinite} NaN/infinite stored as gaps` : ''}\n`,
      );
      if (s.rejectedRows > 0) {
        failed = true;
        process.stderr.write(`${file}: ${s.rejectedRows} rows rejected (the others are stored):\n`);
        for (const r of s.rejections) process.stderr.write(`  ${describeLocation(r)}: ${r.reason}\n`);
        if (s.rejectedRows > s.rejections.length) process.stderr.write(`  … and ${s.rejectedRows - s.rejections.length} more\n`);
      }
      for (const [column, intervals] of result.labels) {
        const list = intervals.map((i) => ({ from: new Date(i.fromMs).toISOString(), to: new Date(i.toMs).toISOString(), label: i.label }));
        (allLabels[column] ??= []).push(...list);
        process.stdout.write(
          `${file}: label column ${JSON.stringify(column)} kept out of the sensors: ${intervals.length} labelled interval(s); ` +
            (options.labelsOut === undefined
              ? 'not imported (this build has no labels store for imported files; --labels-out FILE writes them as JSON for POST .../labels)\n'
              : `written to ${options.labelsOut}\n`),
        );
      }
    }
    if (options.labelsOut !== undefined) writeFileSync(options.labelsOut, `${JSON.stringify(allLabels, null, 2)}\n`);
    return failed ? ExitCode.failed : ExitCode.ok;
  });
}
