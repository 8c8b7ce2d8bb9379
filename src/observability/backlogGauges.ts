import { Counter, Gauge, type Registry } from 'prom-client';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

/** Messages by condition, as a queue's QueueInspector reports it. */
export interface QueueDepthSource {
  depth(): Promise<{ readonly ready: number; readonly leased: number; readonly delayed: number; readonly dead: number }>;
}

export interface BacklogSources {
  /** The task queue's QueueInspector; the depth gauge exists only when the queue declares one. */
  readonly queue?: QueueDepthSource;
  /** The window ledger's oldest unstarted window: what the queue's lag is measured from, for any queue type. */
  readonly ledger: { oldestQueuedSentAt(): Promise<number | undefined> };
  readonly clock: () => number;
  readonly log: Logger;
  /** Ready tasks per model kind no live executor serves (executor pools); the gauge exists only with it. */
  readonly unserved?: () => Promise<Readonly<Record<string, number>> | undefined>;
}

/**
 * Gauges read from the database at scrape time: queue depth by condition, queue lag (how long the
 * longest-waiting window has been queued without an executor starting it; 0 when none waits) and ready
 * tasks no live executor's pool serves. A failing
 * read leaves its gauge empty for that scrape and counts `latigo_metrics_collect_errors_total`, so a broken
 * database shows in the metrics instead of failing the whole scrape (`/readyz` reports it too).
 */
export function registerBacklogGauges(registry: Registry, sources: BacklogSources): void {
  const registers = [registry];
  const collectErrors = new Counter({
    name: 'latigo_metrics_collect_errors_total',
    help: 'Scrapes that could not read a gauge from its source.',
    labelNames: ['source'],
    registers,
  });
  let warned = false;
  const failed = (source: string, err: unknown) => {
    collectErrors.inc({ source });
    // Scrapes repeat every few seconds: log the first failure, count the rest.
    if (!warned) sources.log.warn('metrics: cannot read a gauge; counting further failures', { source, error: describeError(err) });
    warned = true;
  };
  const { queue } = sources;
  if (queue) {
    new Gauge({
      name: 'latigo_queue_messages',
      help: 'Task messages in the queue by condition: ready, leased, delayed (backing off), dead.',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        try {
          for (const [state, count] of Object.entries(await queue.depth())) this.set({ state }, Number(count));
        } catch (err) {
          failed('queue', err);
        }
      },
    });
  }
  const { unserved } = sources;
  if (unserved) {
    new Gauge({
      name: 'latigo_queue_unserved_tasks',
      help: 'Ready tasks of a model kind that no live executor serves (executor.pools), by kind (by pool on a hub per pool: kind is its kinds joined with +); absent when every kind is served.',
      labelNames: ['kind'],
      registers,
      async collect() {
        this.reset();
        try {
          for (const [kind, count] of Object.entries((await unserved()) ?? {})) this.set({ kind }, count);
        } catch (err) {
          failed('unserved', err);
        }
      },
    });
  }
  new Gauge({
    name: 'latigo_queue_lag_seconds',
    help: 'How long the oldest window queued but not yet started has waited since it was sent.',
    registers,
    async collect() {
      this.reset();
      try {
        const sentAt = await sources.ledger.oldestQueuedSentAt();
        this.set(sentAt === undefined ? 0 : Math.max(0, sources.clock() - sentAt) / 1000);
      } catch (err) {
        failed('ledger', err);
      }
    },
  });
}
