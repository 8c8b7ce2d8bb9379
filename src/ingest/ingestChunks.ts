import type { SensorPoints, SensorWriter } from '../contracts/SensorWriter.js';
import { throwIfAborted } from '../runtime/errors.js';
import { IngestInputError } from './IngestInputError.js';
import { describeLocation, type ParsedChunk, type Rejection } from './ParsedChunk.js';
import { PointSpool } from './PointSpool.js';

export interface IngestOptions {
  /** Store the good rows and report the bad ones (true), or store nothing when any row is bad (false). */
  partial: boolean;
  /** Create sensors not known yet (true), or refuse their points (false). */
  createTags: boolean;
  /** Whether a sensor exists (needed when `createTags` is false). */
  sensorExists?: (name: string) => Promise<boolean>;
  /** Rejections listed in the answer; all are counted. */
  maxListed: number;
  /** All-or-nothing: points kept in memory before spooling to a temporary file. */
  spoolMemoryPoints?: number;
  signal?: AbortSignal;
  /** After each chunk is read (and, when partial, written): for progress bars and resume records. */
  onChunk?(chunk: ParsedChunk, totals: IngestSummary): Promise<void> | void;
}

export interface IngestSummary {
  /** Rows (lines, elements) read. */
  rows: number;
  /** Points stored (0 when an all-or-nothing request was refused). */
  points: number;
  /** NaN and ±Infinity among them, stored as gaps. */
  nonFinite: number;
  /** Rows refused, and the first `maxListed` of them with the reason. */
  rejectedRows: number;
  rejections: Rejection[];
  /** Distinct sensors written. */
  sensors: number;
  /** With create_tags=false: sensors that do not exist, and how many points of each were refused. */
  unknownSensors: { sensor: string; points: number }[];
}

/** An all-or-nothing input with bad rows: nothing was stored; `summary` lists what was wrong. */
export class IngestRejectedError extends IngestInputError {
  constructor(readonly summary: IngestSummary) {
    const first = summary.rejections[0];
    super(
      `${summary.rejectedRows} of ${summary.rows} rows were refused, so nothing was stored (send ?partial=true to store the others)` +
        (first === undefined ? '' : `; the first: ${describeLocation(first)}: ${first.reason}`),
      undefined,
    );
  }
}

/**
 * Writes parsed chunks through `writer` (the WatermarkingSensorWriter). Partial: each chunk's good points
 * are written as it comes. All-or-nothing: points are spooled until the input ends; with any rejection,
 * IngestRejectedError and nothing written, else the spool is written. Unknown sensors with
 * `createTags: false` are refused: a 422 IngestInputError naming the first (all-or-nothing), or left out and
 * listed (partial).
 */
export async function ingestChunks(
  chunks: AsyncIterable<ParsedChunk>,
  writer: SensorWriter,
  options: IngestOptions,
): Promise<IngestSummary> {
  const summary: IngestSummary = { rows: 0, points: 0, nonFinite: 0, rejectedRows: 0, rejections: [], sensors: 0, unknownSensors: [] };
  const sensors = new Set<string>();
  const existence = new Map<string, boolean>();
  const unknownPoints = new Map<string, number>();
  const spool = options.partial ? undefined : new PointSpool(options.spoolMemoryPoints ?? 250_000);
  const write = async (batch: SensorPoints[]) => {
    const result = await writer.writePoints(batch, options.signal === undefined ? {} : { signal: options.signal });
    summary.points += result.written;
    summary.nonFinite += result.nonFinite;
  };
  try {
    for await (const chunk of chunks) {
      throwIfAborted(options.signal);
      summary.rows += chunk.rows;
      summary.rejectedRows += chunk.rejections.length;
      for (const r of chunk.rejections) if (summary.rejections.length < options.maxListed) summary.rejections.push(r);
      let points = chunk.points;
      if (!options.createTags) points = await refuseUnknown(points, options, existence, unknownPoints);
      for (const p of points) sensors.add(p.sensor);
      if (spool === undefined) {
        if (points.length > 0) await write(points);
      } else if (summary.rejectedRows === 0 && points.length > 0) {
        await spool.add(points, countPoints(points));
      }
      await options.onChunk?.(chunk, summary);
    }
    summary.unknownSensors = [...unknownPoints].map(([sensor, points]) => ({ sensor, points }));
    summary.sensors = sensors.size;
    if (spool !== undefined) {
      if (summary.rejectedRows > 0) throw new IngestRejectedError(summary);
      for await (const batch of spool.replay()) await write(batch);
    }
    return summary;
  } finally {
    await spool?.dispose();
  }
}

async function refuseUnknown(
  points: SensorPoints[],
  options: IngestOptions,
  existence: Map<string, boolean>,
  unknownPoints: Map<string, number>,
): Promise<SensorPoints[]> {
  const kept: SensorPoints[] = [];
  for (const p of points) {
    let exists = existence.get(p.sensor);
    if (exists === undefined) {
      exists = options.sensorExists === undefined ? false : await options.sensorExists(p.sensor);
      existence.set(p.sensor, exists);
    }
    if (exists) kept.push(p);
    else if (!options.partial) {
      throw new IngestInputError(
        `sensor ${JSON.stringify(p.sensor)} does not exist and create_tags is false; nothing was stored`,
        undefined,
        'query.create_tags',
        422,
      );
    } else unknownPoints.set(p.sensor, (unknownPoints.get(p.sensor) ?? 0) + p.timesMs.length);
  }
  return kept;
}

function countPoints(points: readonly SensorPoints[]): number {
  let n = 0;
  for (const p of points) n += p.timesMs.length;
  return n;
}
