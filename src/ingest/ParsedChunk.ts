import type { SensorPoints } from '../contracts/SensorWriter.js';

/** A row that was not stored, and why. Text formats name the `line` (1-based, the CSV header is line 1), JSON the `element` (0-based). */
export interface Rejection {
  readonly line?: number;
  readonly element?: number;
  /** Parquet: the 0-based row of the file. */
  readonly row?: number;
  /** The column (CSV), field (JSON: `time`, `values.<tag>`) or part (line protocol: `timestamp`, `field value`) at fault. */
  readonly column?: string;
  readonly reason: string;
}

/** Points parsed from part of an input, grouped by sensor, with the rows refused on the way. */
export interface ParsedChunk {
  readonly points: SensorPoints[];
  readonly pointCount: number;
  readonly rejections: Rejection[];
  /** Rows (lines, elements) read in this chunk, good or bad. */
  readonly rows: number;
  /** Bytes of the (decompressed) input consumed up to the end of this chunk's last row: where a resumed import starts. */
  readonly endOffset: number;
  /** The last line (text formats) or element number this chunk read. */
  readonly endRow: number;
}

/** Where a rejection is, for messages: `line 7, column "flow"`. */
export function describeLocation(r: Omit<Rejection, 'reason'>): string {
  const where =
    r.line !== undefined
      ? `line ${r.line}`
      : r.element !== undefined
        ? `element ${r.element}`
        : r.row !== undefined
          ? `row ${r.row}`
          : 'the input';
  return r.column === undefined ? where : `${where}, column ${JSON.stringify(r.column)}`;
}

/** Longest sensor name: sensor.name is varchar(1000). */
export const MAX_SENSOR_NAME_LENGTH = 1000;

/** Why `name` cannot be a sensor name, or undefined. Quotes, commas, spaces, newlines and unicode are all fine. */
export function sensorNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'a sensor name cannot be empty';
  if (name.length > MAX_SENSOR_NAME_LENGTH)
    return `a sensor name is limited to ${MAX_SENSOR_NAME_LENGTH} characters, this one has ${name.length}`;
  if (name.includes('\u0000')) return 'a sensor name cannot hold a NUL character';
  return undefined;
}

/** One sensor's points in a chunk being built. */
export interface ChunkSeries {
  readonly times: number[];
  readonly values: number[];
}

/**
 * Collects points by sensor until `batchPoints`, then hands them out as one chunk. Sensor names are checked
 * once each (a bad name rejects its rows); a value that is not a finite number after parsing is the
 * parser's to reject, but NaN and ±Infinity given as such are passed on (stored as gaps, counted).
 */
export class ChunkBuilder {
  private bySensor = new Map<string, ChunkSeries>();
  private count = 0;
  /** Increases with every `take`: a series held since an earlier generation is no longer this chunk's. */
  generation = 0;
  private rejections: Rejection[] = [];
  private rows = 0;
  private readonly nameProblems = new Map<string, string | undefined>();

  constructor(readonly batchPoints: number) {}

  get full(): boolean {
    return this.count >= this.batchPoints;
  }

  get pointCount(): number {
    return this.count;
  }

  /** Why `sensor` cannot be stored (cached per name), or undefined. */
  nameProblem(sensor: string): string | undefined {
    if (this.nameProblems.has(sensor)) return this.nameProblems.get(sensor);
    const problem = sensorNameProblem(sensor);
    if (this.nameProblems.size < 100_000) this.nameProblems.set(sensor, problem);
    return problem;
  }

  add(sensor: string, timeMs: number, value: number): void {
    this.addTo(this.series(sensor), timeMs, value);
  }

  /** The chunk's series of `sensor` (created empty): a parser that keeps it for this `generation` adds without a lookup. */
  series(sensor: string): ChunkSeries {
    let series = this.bySensor.get(sensor);
    if (series === undefined) {
      series = { times: [], values: [] };
      this.bySensor.set(sensor, series);
    }
    return series;
  }

  /** `add` to a series `series` answered in this generation. */
  addTo(series: ChunkSeries, timeMs: number, value: number): void {
    series.times.push(timeMs);
    series.values.push(value);
    this.count++;
  }

  reject(rejection: Rejection): void {
    this.rejections.push(rejection);
  }

  row(): void {
    this.rows++;
  }

  /** The chunk so far, and a fresh start. */
  take(endOffset: number, endRow: number): ParsedChunk {
    const chunk: ParsedChunk = {
      points: [...this.bySensor].map(([sensor, s]) => ({ sensor, timesMs: s.times, values: s.values })),
      pointCount: this.count,
      rejections: this.rejections,
      rows: this.rows,
      endOffset,
      endRow,
    };
    this.bySensor = new Map();
    this.generation++;
    this.count = 0;
    this.rejections = [];
    this.rows = 0;
    return chunk;
  }

  get empty(): boolean {
    return this.count === 0 && this.rejections.length === 0 && this.rows === 0;
  }
}

/**
 * A sensor value: a number (decimal comma allowed when `decimalComma`), or empty / NaN (no point: the
 * row is kept, the cell skipped, `undefined`). Returns a string saying why otherwise.
 */
export function parseValue(text: string, decimalComma: boolean): number | undefined | string {
  const t = text.trim();
  if (t === '' || t === 'NaN' || t === 'nan' || t === 'NULL' || t === 'null' || t === 'NA') return undefined;
  let v = Number(decimalComma && t.includes(',') && !t.includes('.') ? t.replace(',', '.') : t);
  if (Number.isNaN(v)) {
    const lower = t.toLowerCase();
    if (lower === 'true') v = 1;
    else if (lower === 'false') v = 0;
    else return `${JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}…` : t)} is not a number`;
  }
  if (!Number.isFinite(v)) return `${JSON.stringify(t)} is not a finite number`;
  return v;
}
