import { Counter, Gauge, type Registry } from 'prom-client';
import { describeError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

/** Messages by condition, as queues that can count them report it (the database queue's `depth()`). */
interface CountableQueue {
  depth(): Promise<Readonly<Record<string, number>>>;
}

export interface BacklogSources {
  /** The task queue; counted only when it offers `depth()` (Event Hubs does not). */
  readonly queue: object;
  /** The window ledger's oldest unstarted window: what the queue's lag is measured from, for any queue type. */
  readonly ledger: { oldestQueuedSentAt(): Promise<number | undefined> };
  readonly clock: () => number;
  readonly log: Logger;
}

/**
 * Gauges read from the database at scrape time: queue depth by condition and queue lag (how long the
 * longest-waiting window has been queued without an executor starting it; 0 when none waits). A failing
 * read leaves its gauge empty for that scrape and counts `latigo_metrics_collect_errors_total`, so a broken
 * database shows in the metrics instead of failing the whole scrape (`/readyz` reports it too).
 */
export function registerBacklogGauges(registry: Registry, sources: BacklogSources): void {
  const registers = [registry];
  const collectErrors = new Counter({
    name: 'latigo_metrics_collect_errors_total', help: 'Scrapes that could not read a gauge from its source.',
    labelNames: ['source'], registers,
  });
  let warned = false;
  const failed = (source: string, err: unknown) => {
    collectErrors.inc({ source });
    // Scrapes repeat every few seconds: log the first failure, count the rest.
    if (!warned) sources.log.warn('metrics: cannot read a gauge; counting further failures', { source, error: describeError(err) });
    warned = true;
  };
  const queue = isCountable(sources.queue) ? sources.queue : undefined;
  if (queue) {
    new Gauge({
      name: 'latigo_queue_messages', help: 'Task messages in the queue by condition: ready, leased, delayed (backing off), dead.',
      labelNames: ['state'], registers,
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
  new Gauge({
    name: 'latigo_queue_lag_seconds', help: 'How long the oldest window queued but not yet started has waited since it was sent.',
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

function isCountable(queue: object): queue is CountableQueue {
  return typeof (queue as Partial<CountableQueue>).depth === 'function';
}
