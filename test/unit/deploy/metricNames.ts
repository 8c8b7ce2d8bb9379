import { registerBacklogGauges } from '../../../src/observability/backlogGauges.js';
import { LatigoMetrics } from '../../../src/observability/LatigoMetrics.js';
import { silentLogger } from '../../../src/runtime/logger.js';

/** Every series name a latigo process exposes (histograms with their _bucket, _sum and _count). */
export function exposedMetricNames(): Set<string> {
  const metrics = new LatigoMetrics({ role: 'executor', providerTypes: {} });
  metrics.collectProcessMetrics();
  registerBacklogGauges(metrics.registry, {
    queue: { depth: async () => ({ ready: 0, leased: 0, delayed: 0, dead: 0 }) },
    ledger: { oldestQueuedSentAt: async () => undefined },
    clock: Date.now,
    log: silentLogger,
    unserved: async () => ({}),
  });
  const names = new Set<string>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** Metric names a PromQL expression reads (latigo's own, and Node's process_ and nodejs_ series). */
export function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\b(?:latigo|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0]);
}
