import type { PredictionEventData } from '../src/events/eventTypes.js';

/** The data of the live-feed bench's n-th event: a stored window's prediction summary, as executors append. */
export function benchEventData(n: number): PredictionEventData {
  const from = Date.parse('2026-01-01T00:00:00Z') + n * 600_000;
  return {
    taskId: `bench-${n}`,
    from: new Date(from).toISOString(),
    to: new Date(from + 600_000).toISOString(),
    rows: 60,
    anomalies: n % 7,
    maxTotalAnomaly: 1 + (n % 13) / 10,
    threshold: 1.5,
  };
}
