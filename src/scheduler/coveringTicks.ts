import type { TimeRange } from '../domain/TimeRange.js';
import type { Schedule } from './ticks.js';

/**
 * The ticks whose windows together cover every instant of `range`, as [firstK, lastK]: the range aligned
 * outward to the window grid. A backfill of `--from 00:05 --to 00:55` on 10-minute windows takes the
 * windows [00:00, 00:10) .. [00:50, 01:00), so the rows at the edges are scored too (windows entirely
 * inside the range would drop both edges). Empty (firstK > lastK) only for an empty range.
 */
export function tickIndicesCovering(schedule: Schedule, range: TimeRange): { firstK: number; lastK: number } {
  if (range.toMs <= range.fromMs) return { firstK: 0, lastK: -1 };
  // window k = [tick(k-1) - delay, tick(k) - delay) holds t when tick(k-1) <= t + delay < tick(k).
  const firstK = schedule.latestTickIndex(range.fromMs + schedule.delayMs) + 1;
  // the last instant of the range is toMs - 1 (the end is exclusive).
  const lastK = schedule.latestTickIndex(range.toMs - 1 + schedule.delayMs) + 1;
  return { firstK, lastK };
}
