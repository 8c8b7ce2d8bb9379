import { setTimeout as sleep } from 'node:timers/promises';
import type { DemoConfig } from './DemoConfig.js';
import type { Database } from '../persistence/Database.js';
import type { Clock } from '../runtime/clock.js';
import { describeError, isAbortError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { assetSeries, type AssetSeries } from './assetSeries.js';
import { latestPointMs } from './demoTables.js';
import { demoPlantLayout, type DemoPlantLayout } from './plantLayout.js';
import type { DemoSensorSink } from './seedDemo.js';

/**
 * The plant's readings after `afterMs` (exclusive) up to `nowMs` (inclusive), per asset: the seeded
 * history's generator continued in time, without faults. Pure; [] when no new point is due.
 */
export function liveSeries(layout: DemoPlantLayout, afterMs: number, nowMs: number): AssetSeries[] {
  const resolution = layout.resolutionMs;
  const range = {
    fromMs: Math.floor(afterMs / resolution) * resolution + resolution,
    toMs: Math.floor(nowMs / resolution) * resolution + resolution,
  };
  if (range.toMs <= range.fromMs) return [];
  return layout.assets.map((asset) => assetSeries(layout, asset, range));
}

export interface DemoFeedOptions {
  store: Pick<DemoSensorSink, 'writePoints'>;
  db: Database;
  config: DemoConfig;
  clock: Clock;
  log: Logger;
  /** Time between appends; defaults to the demo resolution (at least one second). */
  intervalMs?: number;
}

/**
 * Keeps the demo plant "live" while `latigo start --demo` runs: every interval it appends the points
 * due since the last one, so the live schedule finds fresh data. After downtime it fills the gap, at
 * most one history's length back.
 */
export class DemoFeed {
  private readonly layout: DemoPlantLayout;
  private readonly intervalMs: number;
  private readonly stopper = new AbortController();
  private lastMs: number | undefined;

  constructor(private readonly options: DemoFeedOptions) {
    this.layout = demoPlantLayout(options.config);
    this.intervalMs = options.intervalMs ?? Math.max(1_000, options.config.resolutionMs);
  }

  /** Appends the points due now; returns how many were written. */
  async appendDue(): Promise<number> {
    const now = this.options.clock();
    const resolution = this.layout.resolutionMs;
    if (this.lastMs === undefined) {
      const latest = await latestPointMs(
        this.options.db,
        this.layout.assets.map((a) => a.name),
      );
      this.lastMs = latest ?? Math.floor(now / resolution) * resolution - resolution;
    }
    const oldest = now - this.options.config.historyMs;
    if (this.lastMs < oldest) {
      this.options.log.warn('demo feed was stopped for longer than the history; older points are not filled', {
        gapFromMs: this.lastMs,
        filledFromMs: oldest,
      });
    }
    const after = Math.max(this.lastMs, oldest);
    let written = 0;
    let newest = this.lastMs;
    for (const series of liveSeries(this.layout, after, now)) {
      const points = series.asset.tags.map((tag, i) => ({ sensor: tag.name, timesMs: series.timesMs, values: series.columns[i]! }));
      written += (await this.options.store.writePoints(points)).written;
      newest = Math.max(newest, series.timesMs[series.timesMs.length - 1] ?? newest);
    }
    this.lastMs = newest;
    if (written > 0) this.options.log.debug('demo feed appended points', { points: written, untilMs: newest });
    return written;
  }

  /** Appends every interval until `stop()` or `signal` fires. A failed append is logged and retried next time. */
  async start(signal?: AbortSignal): Promise<void> {
    const stop = signal ? AbortSignal.any([signal, this.stopper.signal]) : this.stopper.signal;
    while (!stop.aborted) {
      try {
        await this.appendDue();
      } catch (err) {
        this.options.log.warn('demo feed append failed; retrying next interval', { error: describeError(err) });
      }
      try {
        await sleep(this.intervalMs, undefined, { signal: stop });
      } catch (err) {
        if (!isAbortError(err)) throw err;
      }
    }
  }

  stop(): void {
    this.stopper.abort();
  }
}
