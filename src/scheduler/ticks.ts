import type { DateTime } from 'luxon';
import type { SchedulerConfig } from '../config/sections.js';
import { timeRange, type TimeRange } from '../domain/TimeRange.js';
import { parseStartTime } from '../config/startTime.js';

const DAY_MS = 86_400_000;

export type ScheduleConfig = Pick<SchedulerConfig, 'startTime' | 'timeZone' | 'intervalMs' | 'delayMs'>;

/**
 * Where the scheduler's ticks fall, and which window each tick makes due. Pure arithmetic.
 *
 * Ticks are numbered by an integer k; tick 0 is `start_time`. `start_time` anchors the grid, it does not
 * start it: ticks with negative k exist too (a backfill before start_time stays aligned), and a tick
 * exists for the scheduler only once `tick <= now`.
 * - An interval that is a whole number of days steps in local calendar days of `time_zone`, so a daily
 *   tick stays at local midnight across a daylight-saving change (that day's window lasts 23 h or 25 h).
 *   A local time that does not exist on some day (inside the spring gap) moves forward by the gap.
 * - Any other interval steps in absolute time: tick k = start + k * interval. Thirty-minute ticks stay on
 *   :00 and :30 through a daylight-saving change.
 *
 * Window k = [tick(k-1) - delay, tick(k) - delay): the interval that ended `delay` before tick k, so the
 * data of a due window is complete. Consecutive windows tile time with no gap or overlap. For fixed
 * intervals this is the issue's `[tick - delay, tick - delay + interval)` read with tick = tick(k-1).
 */
export interface Schedule {
  readonly intervalMs: number;
  readonly delayMs: number;
  /** Epoch milliseconds of tick k. */
  tickMs(k: number): number;
  /** k of the latest tick at or before `timeMs`. */
  latestTickIndex(timeMs: number): number;
  /** The window tick k makes due. */
  windowOf(k: number): TimeRange;
}

/**
 * Builds the schedule of `config`. Throws ConfigError naming `scheduler.time_zone` or `scheduler.start_time`
 * when either cannot be read (loadConfig has already checked both, so this only fires for hand-built configs).
 */
export function createSchedule(config: ScheduleConfig): Schedule {
  const start = parseStartTime(config.startTime, config.timeZone);
  if (config.intervalMs % DAY_MS === 0) return new CalendarDaySchedule(start, config.intervalMs / DAY_MS, config.delayMs);
  return new FixedSchedule(start.toMillis(), config.intervalMs, config.delayMs);
}

/** k of the first tick strictly after `timeMs`. */
export function nextTickIndex(schedule: Schedule, timeMs: number): number {
  return schedule.latestTickIndex(timeMs) + 1;
}

/**
 * The ticks a pass at `nowMs` considers, as [firstK, lastK]: every tick in (now - horizon, now], and always
 * the latest tick even when the horizon is shorter than an interval (a horizon of 0 means "no catch-up",
 * not "never schedule").
 */
export function dueTickIndices(schedule: Schedule, nowMs: number, horizonMs: number): { firstK: number; lastK: number } {
  const lastK = schedule.latestTickIndex(nowMs);
  const firstK = Math.min(lastK, schedule.latestTickIndex(nowMs - horizonMs) + 1);
  return { firstK, lastK };
}

/** The ticks whose windows lie entirely inside `range`, as [firstK, lastK]; empty when firstK > lastK. */
export function tickIndicesWithin(schedule: Schedule, range: TimeRange): { firstK: number; lastK: number } {
  // window k starts at tick(k-1) - delay >= range.fromMs, i.e. tick(k-1) is the first tick at or after fromMs + delay.
  const firstK = schedule.latestTickIndex(range.fromMs + schedule.delayMs - 1) + 2;
  // window k ends at tick(k) - delay <= range.toMs.
  const lastK = schedule.latestTickIndex(range.toMs + schedule.delayMs);
  return { firstK, lastK };
}

class FixedSchedule implements Schedule {
  constructor(
    private readonly startMs: number,
    readonly intervalMs: number,
    readonly delayMs: number,
  ) {}
  tickMs(k: number): number {
    return this.startMs + k * this.intervalMs;
  }
  latestTickIndex(timeMs: number): number {
    return Math.floor((timeMs - this.startMs) / this.intervalMs);
  }
  windowOf(k: number): TimeRange {
    return timeRange(this.tickMs(k - 1) - this.delayMs, this.tickMs(k) - this.delayMs);
  }
}

class CalendarDaySchedule implements Schedule {
  readonly intervalMs: number;
  private readonly startMs: number;
  constructor(
    private readonly start: DateTime,
    private readonly days: number,
    readonly delayMs: number,
  ) {
    this.intervalMs = days * DAY_MS;
    this.startMs = start.toMillis();
  }
  tickMs(k: number): number {
    return this.start.plus({ days: k * this.days }).toMillis();
  }
  latestTickIndex(timeMs: number): number {
    // Days last 23 to 25 hours, so the fixed-length estimate is off by at most one step.
    let k = Math.floor((timeMs - this.startMs) / this.intervalMs);
    while (this.tickMs(k) > timeMs) k--;
    while (this.tickMs(k + 1) <= timeMs) k++;
    return k;
  }
  windowOf(k: number): TimeRange {
    return timeRange(this.tickMs(k - 1) - this.delayMs, this.tickMs(k) - this.delayMs);
  }
}
