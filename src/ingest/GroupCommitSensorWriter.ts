import type { CallOptions } from '../contracts/CallOptions.js';
import type { SensorPoints, SensorWriter, WritePointsOptions, WritePointsResult } from '../contracts/SensorWriter.js';
import type { SensorTag } from '../domain/SensorTag.js';
import { throwIfAborted } from '../runtime/errors.js';

export interface GroupCommitOptions {
  /** Most points one group writes: a group stays one transaction of the embedded store (it commits every ~200,000). */
  maxGroupPoints: number;
  /** Longest a write waits for the other requests in progress to join its group. */
  lingerMs: number;
}

const DEFAULTS: GroupCommitOptions = { maxGroupPoints: 200_000, lingerMs: 10 };

interface Member {
  readonly points: readonly SensorPoints[];
  readonly count: number;
  /** Finite values, distinct sensors, strictly increasing times: what it would report alone is known without writing it. */
  readonly simple: boolean;
  readonly resolve: (result: WritePointsResult) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit for concurrent ingest requests (issue 16): a write asked for while others are in progress
 * waits (at most `lingerMs`, or until every request in progress has asked) and goes out with them as one
 * `writePoints` of the inner writer, so the embedded store commits one transaction and the watermarks one
 * record per group instead of one each per request. A fifth of the commits writes the same B-tree leaves
 * (each sensor's latest points) once instead of once per request.
 *
 * Each caller's promise settles only after the group holding its points has committed, with what writing
 * them alone would have reported. A group that fails is written again member by member, in order, so one
 * bad write fails only its own caller (points are upserts, so a member written twice is the same).
 * Only "simple" writes join others (finite values, each sensor once with strictly increasing times: every
 * line-protocol request of a feed); any other write forms a group of its own. Groups are written one at
 * a time, in arrival order, so a later request's point at the same time still wins.
 *
 * `track` wraps one request, so the writer knows how many could still join: with one sender nothing waits.
 */
export class GroupCommitSensorWriter implements SensorWriter {
  private readonly options: GroupCommitOptions;
  private queue: Member[] = [];
  private writing = false;
  private active = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly inner: SensorWriter,
    options: Partial<GroupCommitOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Runs one request's work, counted among those that may still join a group. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.schedule(); // one fewer to wait for
    }
  }

  defineSensors(tags: readonly SensorTag[], options?: CallOptions): Promise<void> {
    return this.inner.defineSensors(tags, options);
  }

  writePoints(points: readonly SensorPoints[], options?: WritePointsOptions): Promise<WritePointsResult> {
    throwIfAborted(options?.signal);
    // Progress is per call, and a group's signal would be another caller's: such writes go alone, straight through.
    if (options?.onProgress !== undefined || options?.signal !== undefined) return this.inner.writePoints(points, options);
    const { count, simple } = describe(points);
    return new Promise<WritePointsResult>((resolve, reject) => {
      this.queue.push({ points, count, simple, resolve, reject });
      this.schedule();
    });
  }

  /** Starts the next group when nobody else can join it, else waits at most lingerMs for them. */
  private schedule(): void {
    if (this.writing || this.queue.length === 0) return;
    const everyoneAsked = this.queue.length >= this.active;
    if (everyoneAsked || queuedPoints(this.queue) >= this.options.maxGroupPoints) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (!this.writing) this.flush();
    }, this.options.lingerMs);
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.takeGroup();
    if (group.length === 0) return;
    this.writing = true;
    void this.write(group).finally(() => {
      this.writing = false;
      this.schedule();
    });
  }

  /** The queue's head: one write that is not simple, or simple ones up to maxGroupPoints (at least one). */
  private takeGroup(): Member[] {
    const first = this.queue[0];
    if (first === undefined) return [];
    let n = 1;
    if (first.simple) {
      let points = first.count;
      while (n < this.queue.length && this.queue[n]!.simple && points + this.queue[n]!.count <= this.options.maxGroupPoints) {
        points += this.queue[n]!.count;
        n++;
      }
    }
    return this.queue.splice(0, n);
  }

  private async write(group: Member[]): Promise<void> {
    if (group.length === 1) {
      const only = group[0]!;
      await this.inner.writePoints(only.points).then(only.resolve, only.reject);
      return;
    }
    try {
      await this.inner.writePoints(concatenate(group));
    } catch {
      // Whose points failed is unknown: each member again on its own, so only the bad one fails.
      for (const member of group) await this.inner.writePoints(member.points).then(member.resolve, member.reject);
      return;
    }
    // Simple members: every point written, none non-finite, as each alone would report.
    for (const member of group) member.resolve({ written: member.count, nonFinite: 0 });
  }
}

function queuedPoints(queue: readonly Member[]): number {
  let n = 0;
  for (const m of queue) n += m.count;
  return n;
}

function describe(points: readonly SensorPoints[]): { count: number; simple: boolean } {
  let count = 0;
  let simple = true;
  const sensors = new Set<string>();
  for (const series of points) {
    const { timesMs, values } = series;
    count += timesMs.length;
    if (!simple) continue;
    if (sensors.has(series.sensor) || timesMs.length !== values.length) simple = false;
    sensors.add(series.sensor);
    for (let i = 0; simple && i < timesMs.length; i++) {
      if (!Number.isFinite(values[i]) || (i > 0 && !(timesMs[i]! > timesMs[i - 1]!))) simple = false;
    }
  }
  return { count, simple };
}

/** The members' points as one write: one series per sensor, the members' points in member order. */
function concatenate(group: readonly Member[]): SensorPoints[] {
  const bySensor = new Map<string, { parts: SensorPoints[]; length: number }>();
  for (const member of group) {
    for (const series of member.points) {
      const entry = bySensor.get(series.sensor);
      if (entry === undefined) bySensor.set(series.sensor, { parts: [series], length: series.timesMs.length });
      else {
        entry.parts.push(series);
        entry.length += series.timesMs.length;
      }
    }
  }
  const out: SensorPoints[] = [];
  for (const [sensor, { parts, length }] of bySensor) {
    if (parts.length === 1) {
      out.push(parts[0]!);
      continue;
    }
    const timesMs = new Float64Array(length);
    const values = new Float64Array(length);
    let at = 0;
    for (const part of parts) {
      for (let i = 0; i < part.timesMs.length; i++, at++) {
        timesMs[at] = part.timesMs[i]!;
        values[at] = part.values[i]!;
      }
    }
    out.push({ sensor, timesMs, values });
  }
  return out;
}
