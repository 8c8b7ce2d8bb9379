import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBuiltInTables } from '../test/fixtures/builtInMigrations.js';
import { outputDefinitionSchema, outputsSchema } from '../src/config/outputsSections.js';
import { EventOutbox } from '../src/events/EventOutbox.js';
import type { NewEvent } from '../src/events/eventTypes.js';
import { AllowedHosts } from '../src/outputs/allowedHosts.js';
import { OutputDispatcher } from '../src/outputs/OutputDispatcher.js';
import { OutputStore } from '../src/outputs/OutputStore.js';
import { openDatabase } from '../src/persistence/dataSource.js';
import { runMigrations } from '../src/persistence/migrate.js';
import { silentLogger } from '../src/runtime/logger.js';
import { percentile, report } from './report.js';
import type { Suite } from './suite.js';

const OUTPUTS = 20;
const CONCURRENCY = 4;

/**
 * `outputs`: 10,000 events (times --scale) across 20 outputs (one model pattern each) delivered by the
 * OutputDispatcher from the SQLite event outbox to a local receiver that answers 500 to 10% of first
 * attempts; against plain `fetch` POSTs of the same bodies with the same concurrency, in the same run.
 */
export const outputs: Suite = async (dir, scale) => {
  const events = Math.max(100, Math.round(10_000 * scale));
  const receiver = await startReceiver();
  const db = await openDatabase(
    { url: `sqlite:${join(dir, 'outputs.sqlite')}`, busyTimeoutMs: 15_000, logQueries: false },
    withBuiltInTables,
  );
  await runMigrations(db);
  const store = new OutputStore(db);
  const outbox = new EventOutbox(db, Date.now);
  const config = outputsSchema.parse({
    allowed_hosts: ['127.0.0.1'],
    poll_interval: 20,
    retry: { initial_interval: 100, maximum_interval: 1_000, maximum_attempts: 10 },
  });
  for (let k = 0; k < OUTPUTS; k++) {
    await store.save(
      outputDefinitionSchema.parse({
        id: `out-${k}`,
        url: `${receiver.url}/hook/${k}`,
        concurrency: CONCURRENCY,
        filter: { models: [`plant/model-${k}`] },
      }),
      'api',
      Date.now(),
    );
  }
  const log = silentLogger;
  const dispatcher = new OutputDispatcher({
    store,
    events: outbox,
    config,
    allowed: new AllowedHosts(config.allowedHosts),
    clock: Date.now,
    log,
  });
  await dispatcher.reload();
  await dispatcher.tick(); // sets the cursor at the (empty) outbox's end

  const batch: NewEvent[] = [];
  for (let i = 0; i < events; i++) {
    batch.push({
      type: 'window',
      project: 'plant',
      model: `model-${i % OUTPUTS}`,
      revision: '1',
      data: { taskId: `t${i}`, from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:10:00Z', state: 'dead', errorMessage: `bench ${i}` },
    });
  }
  receiver.failFirstAttempts = true;
  const t0 = performance.now();
  const controller = new AbortController();
  const running = dispatcher.run(controller.signal);
  for (let i = 0; i < batch.length; i += 500) await outbox.append(batch.slice(i, i + 500));
  const deadline = Date.now() + 600_000;
  while (receiver.acceptedEvents.size < events && Date.now() < deadline) await sleep(50);
  const seconds = (performance.now() - t0) / 1000;
  controller.abort();
  await running;
  const counts = await store.countByState();
  const lost = events - receiver.acceptedEvents.size;
  const latencies = [...receiver.latencyMs].sort((a, b) => a - b);
  const retried = receiver.failed;

  // Baseline: the same bodies POSTed with fetch, 20 x 4 in flight, no failures injected.
  receiver.failFirstAttempts = false;
  const bodies = batch.map((e, i) => JSON.stringify({ id: i + 1, type: 'window.dead', project: e.project, model: e.model, data: e.data }));
  const b0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: OUTPUTS * CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const response = await fetch(`${receiver.url}/baseline`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.arrayBuffer();
      }
    }),
  );
  const baselineRate = bodies.length / ((performance.now() - b0) / 1000);
  const rate = events / seconds;
  const suite = 'outputs';
  report({
    suite,
    metric: 'deliveries_per_second',
    value: rate,
    unit: 'deliveries/s',
    baseline: 'plain fetch POSTs',
    baseline_value: baselineRate,
  });
  report({ suite, metric: 'ratio_vs_fetch', value: rate / baselineRate, unit: 'ratio' });
  report({ suite, metric: 'delivered', value: counts.delivered, unit: 'deliveries', events });
  report({ suite, metric: 'retried_after_500', value: retried, unit: 'attempts' });
  report({ suite, metric: 'lost', value: lost, unit: 'events', target: '<=0' });
  report({ suite, metric: 'event_to_delivery_p50_ms', value: percentile(latencies, 50), unit: 'ms' });
  report({ suite, metric: 'event_to_delivery_p99_ms', value: percentile(latencies, 99), unit: 'ms' });
  await db.close();
  await receiver.close();
};

/** The receiver: 500 to 10% of first attempts (per delivery id) when asked, else 200; records event-to-acceptance latency. */
async function startReceiver() {
  const seen = new Set<string>();
  const state = {
    url: '',
    failFirstAttempts: false,
    failed: 0,
    acceptedEvents: new Set<number>(),
    latencyMs: [] as number[],
    close: async () => {},
  };
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const delivery = String(req.headers['x-latigo-delivery'] ?? '');
      const first = delivery !== '' && !seen.has(delivery);
      if (delivery !== '') seen.add(delivery);
      if (state.failFirstAttempts && first && n++ % 10 === 0) {
        state.failed++;
        res.writeHead(500).end();
        return;
      }
      if (delivery !== '') {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; time: string };
        if (!state.acceptedEvents.has(event.id)) state.latencyMs.push(Date.now() - Date.parse(event.time));
        state.acceptedEvents.add(event.id);
      }
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
