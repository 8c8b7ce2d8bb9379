import type { SensorPoints } from './EmbeddedSensorStore.js';

/**
 * `points` with at most one point per (sensor, timestamp), the last given winning, as if each had been
 * written in turn. PostgreSQL refuses an `INSERT ... ON CONFLICT DO UPDATE` that meets the same key twice
 * (21000), where SQLite would apply both; merging first makes the outcome the same on both.
 * Series of distinct sensors with strictly increasing timestamps (every feed and seed) come back as they are.
 */
export function mergeRepeatedPoints(points: readonly SensorPoints[]): readonly SensorPoints[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const series of points) {
    if (seen.has(series.sensor) || !strictlyIncreasing(series.timesMs)) repeated.add(series.sensor);
    seen.add(series.sensor);
  }
  if (repeated.size === 0) return points;
  const merged = new Map<string, Map<number, number>>();
  const out: SensorPoints[] = [];
  for (const series of points) {
    if (!repeated.has(series.sensor)) {
      out.push(series);
      continue;
    }
    let byTime = merged.get(series.sensor);
    if (byTime === undefined) merged.set(series.sensor, (byTime = new Map<number, number>()));
    for (let i = 0; i < series.timesMs.length; i++) byTime.set(series.timesMs[i]!, series.values[i]!);
  }
  for (const [sensor, byTime] of merged) out.push({ sensor, timesMs: [...byTime.keys()], values: [...byTime.values()] });
  return out;
}

function strictlyIncreasing(timesMs: ArrayLike<number>): boolean {
  for (let i = 1; i < timesMs.length; i++) if (!(timesMs[i]! > timesMs[i - 1]!)) return false;
  return true;
}
