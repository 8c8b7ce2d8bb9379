/**
 * The model page's time grid: one row per bucket of the model's resolution over the shown span, one array per
 * series, as uPlot draws them. Pure (no DOM, no requests), so Node's unit tests run it too.
 */

/** A time span to shade on a chart, in epoch seconds (uPlot's x unit). */
export type Shade = readonly [number, number];

/** Sensor data and predictions of one model over a range, on one time grid (the model's resolution) for uPlot. */
export interface ModelSeries {
  tags: string[];
  fromMs: number;
  stepMs: number;
  /** Bucket start times, epoch seconds. */
  x: Float64Array;
  /** Per tag; null where no data (yet). */
  sensor: (number | null)[][];
  /** Per tag, the model's output (reconstruction), null where no prediction is stored. */
  output: (number | null)[][];
  score: (number | null)[];
  threshold: (number | null)[];
  /** 1 where the stored prediction is flagged anomalous. */
  flags: Uint8Array;
  /** Anomalous stretches from the stored flags. */
  anomalous: Shade[];
  predictions: number;
  rows: number;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** An empty grid over [fromMs, toMs) at `stepMs`, filled in by `loadChunk`. */
export function emptySeries(tags: string[], fromMs: number, toMs: number, stepMs: number): ModelSeries {
  const length = Math.max(0, Math.ceil((toMs - fromMs) / stepMs));
  const x = new Float64Array(length);
  for (let i = 0; i < length; i++) x[i] = (fromMs + i * stepMs) / 1000;
  const column = () => new Array<number | null>(length).fill(null);
  return {
    tags,
    fromMs,
    stepMs,
    x,
    sensor: tags.map(column),
    output: tags.map(column),
    score: column(),
    threshold: column(),
    flags: new Uint8Array(length),
    anomalous: [],
    predictions: 0,
    rows: 0,
  };
}

/**
 * The chunks to read a range in, newest first: a first small one, so the newest data is drawn soon, then a day
 * each. A week at 10 s is 60,480 rows of 8 tags; read whole, the first chart waits for all of it.
 */
export function chunksOf(fromMs: number, toMs: number, firstMs = 3 * 3_600_000, restMs = 86_400_000): [number, number][] {
  const chunks: [number, number][] = [];
  let end = toMs;
  let size = firstMs;
  while (end > fromMs) {
    const start = Math.max(fromMs, end - size);
    chunks.push([start, end]);
    end = start;
    size = restMs;
  }
  return chunks;
}

export const indexOf = (series: ModelSeries, timeMs: number): number | undefined => {
  const i = (timeMs - series.fromMs) / series.stepMs;
  return Number.isInteger(i) && i >= 0 && i < series.x.length ? i : undefined;
};

/** Runs of anomalous rows (gaps of at most two rows bridged) as [from, to) spans in seconds. */
export function stretches(series: ModelSeries): Shade[] {
  const spans: [number, number][] = [];
  const step = series.stepMs / 1000;
  series.flags.forEach((flag, i) => {
    if (flag !== 1) return;
    const t = series.x[i]!;
    const last = spans.at(-1);
    if (last !== undefined && t - last[1] <= 2 * step) last[1] = t + step;
    else spans.push([t, t + step]);
  });
  return spans;
}

/**
 * The same span moved forward to end at `toMs` (a newer window was stored): the overlap is copied, the new rows
 * are empty until their chunk is read.
 */
export function shiftedSeries(old: ModelSeries, toMs: number): ModelSeries {
  const oldToMs = old.fromMs + old.x.length * old.stepMs;
  const shift = Math.ceil((toMs - oldToMs) / old.stepMs);
  if (shift <= 0) return old;
  const next = emptySeries(old.tags, old.fromMs + shift * old.stepMs, oldToMs + shift * old.stepMs, old.stepMs);
  const copy = <T>(from: ArrayLike<T>, to: { [i: number]: T }) => {
    for (let i = shift; i < from.length; i++) to[i - shift] = from[i]!;
  };
  old.sensor.forEach((column, t) => copy(column, next.sensor[t]!));
  old.output.forEach((column, t) => copy(column, next.output[t]!));
  copy(old.score, next.score);
  copy(old.threshold, next.threshold);
  copy(old.flags, next.flags);
  next.anomalous = stretches(next);
  next.rows = old.rows;
  next.predictions = old.predictions;
  return next;
}

export const endOf = (s: ModelSeries): number => s.fromMs + s.x.length * s.stepMs;
