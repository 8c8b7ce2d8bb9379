/** A half-open UTC interval [fromMs, toMs) in epoch milliseconds. The core never uses local time. */
export interface TimeRange {
  readonly fromMs: number;
  readonly toMs: number;
}

export function timeRange(fromMs: number, toMs: number): TimeRange {
  if (!Number.isInteger(fromMs) || !Number.isInteger(toMs)) {
    throw new RangeError(`time range bounds must be whole milliseconds, got [${fromMs}, ${toMs})`);
  }
  if (toMs <= fromMs) throw new RangeError(`time range is empty or reversed: [${iso(fromMs)}, ${iso(toMs)})`);
  return { fromMs, toMs };
}

export function rangeDurationMs(range: TimeRange): number {
  return range.toMs - range.fromMs;
}

export function rangeContains(range: TimeRange, timeMs: number): boolean {
  return timeMs >= range.fromMs && timeMs < range.toMs;
}

/** `[2026-01-01T00:00:00.000Z, 2026-01-01T00:30:00.000Z)`: how ranges appear in logs and errors. */
export function formatRange(range: TimeRange): string {
  return `[${iso(range.fromMs)}, ${iso(range.toMs)})`;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
