import { withBuiltInTables } from '../test/fixtures/builtInMigrations.js';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import yaml from 'js-yaml';
import { EventOutbox } from '../src/events/EventOutbox.js';
import type { NewEvent } from '../src/events/eventTypes.js';
import { openDatabase } from '../src/persistence/dataSource.js';
import { runMigrations } from '../src/persistence/migrate.js';
import { benchEventData } from './liveFeedEvents.js';
import { percentile, report } from './report.js';
import type { Suite } from './suite.js';

const SUITE = 'live-feed';
const EVENTS_PER_SECOND = 1_000;
/** Events per append: one transaction each, 20 a second, as a pool of executors storing windows would. */
const BATCH = 50;
const TOKEN = 'bench-live-feed-token-0123456789';
/**
 * The clients' processes. 500 clients receive 500,000 events/s; one process parsing them all saturates a core
 * before either server does (seen: the clients' process at 100% CPU, the api at 40%), and the latency then
 * measures the harness. Two share the work, as clients on other machines would.
 */
const LISTENER_PROCESSES = 2;

interface ClientStats {
  delivered: number;
  lagged: number;
  latencies: number[];
  firstAt: number;
  lastAt: number;
  minLastId: number;
}

interface Run {
  delivered: number;
  perSecond: number;
  p50: number;
  p99: number;
  lost: number;
  lagged: number;
}

/**
 * `npm run bench -- live-feed`: a real `latigo api` (embedded SQLite, the outbox polled every 20 ms) fans
 * events out over /ws to 500 subscribed clients (`--scale` shrinks the count) in a process of their own;
 * events are appended to the outbox at 1,000/s in transactions of 50 by the bench process, with the outbox's
 * own append (what executors do when they store a window). Baseline in the same run: a bare `ws` server
 * broadcasting messages of the same shape at the same rate to the same clients. Timed: from the first
 * append to the last event received (or the end of the drain wait).
 */
export const liveFeed: Suite = async (dir, scale) => {
  const clients = Math.max(10, Math.round(500 * scale));
  const seconds = 20;
  const total = EVENTS_PER_SECOND * seconds;
  const url = `sqlite:${join(dir, 'latigo.sqlite')}`;
  const db = await openDatabase({ url, busyTimeoutMs: 15_000, logQueries: false }, withBuiltInTables);
  await runMigrations(db);
  const outbox = new EventOutbox(db, Date.now);
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    yaml.dump({
      database: { url },
      logging: { level: 'warn', format: 'json' },
      api: {
        port: 0,
        tokens: [{ name: 'bench', role: 'viewer', token: '${LATIGO_BENCH_TOKEN}' }],
        ws: { poll_interval: 20, heartbeat_timeout: '10m' },
      },
    }),
  );
  const api = spawn(process.execPath, ['dist/src/cli.js', '--config', config, 'api'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LATIGO_BENCH_TOKEN: TOKEN },
  });
  const children: ChildProcess[] = [api];
  try {
    let output = '';
    api.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    let base: string | undefined;
    for (let waited = 0; base === undefined; waited += 50) {
      base = /API and docs at (http:\/\/\S+)\/api\/docs/.exec(output)?.[1];
      if (waited > 60_000 || api.exitCode !== null) throw new Error(`latigo api did not start: ${output}`);
      await sleep(50);
    }

    // 1. latigo: the outbox appended to at the target rate while the clients listen.
    const latigo = await fanOut(`${base.replace(/^http/, 'ws')}/ws`, 'latigo', clients, total, children, async () => {
      const firstId = (await outbox.latestId()) + 1;
      await paced(total, async (from) => {
        const events: NewEvent[] = Array.from({ length: BATCH }, (_, i) => ({
          type: 'prediction',
          project: 'bench',
          model: `model-${(from + i) % 50}`,
          data: benchEventData(from + i),
        }));
        await outbox.append(events);
      });
      return { firstId, lastId: await outbox.latestId() };
    });
    const apiPeakMb = peakRssMb(api.pid!);

    // 2. The baseline: a bare ws server broadcasting the same messages at the same rate.
    const bare = fork('dist/bench/bareWsServer.js', [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(bare);
    const { port } = await nextMessage<{ port: number }>(bare);
    const baseline = await fanOut(`ws://127.0.0.1:${port}`, 'bare', clients, total, children, async () => {
      bare.send({ produce: { perSecond: EVENTS_PER_SECOND, seconds, batch: BATCH } });
      const { lastId } = await nextMessage<{ lastId: number }>(bare);
      return { firstId: lastId - total + 1, lastId };
    });

    const sizes = { clients, events: total, events_per_second_produced: EVENTS_PER_SECOND, seconds, batch: BATCH, scale };
    report({ suite: SUITE, metric: 'delivered_events_per_second', value: latigo.perSecond, unit: 'events/s', ...sizes });
    report({
      suite: SUITE,
      metric: 'latency_p50_ms',
      value: latigo.p50,
      unit: 'ms',
      measured: 'event createdAt (append) -> client received',
    });
    report({ suite: SUITE, metric: 'latency_p99_ms', value: latigo.p99, unit: 'ms', target: '<=250', bare_ws_p99_ms: baseline.p99 });
    report({
      suite: SUITE,
      metric: 'lost_events',
      value: latigo.lost,
      unit: 'events',
      target: '<=0',
      lagged: latigo.lagged,
      deliveries: latigo.delivered,
    });
    report({
      suite: SUITE,
      metric: 'ratio_vs_bare_ws',
      value: latigo.perSecond / baseline.perSecond,
      unit: 'ratio',
      baseline: 'bare ws server broadcasting messages of the same shape at the same rate to the same clients',
      baseline_value: baseline.perSecond,
      target: '>=0.7',
      bare_lost: baseline.lost,
    });
    report({ suite: SUITE, metric: 'api_peak_rss_mb', value: apiPeakMb, unit: 'MB', measured: 'VmHWM of the latigo api process' });
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await db.close();
  }
};

/**
 * Connects `clients` clients, spread over LISTENER_PROCESSES processes, runs `produce`, waits for the last
 * event to reach every client (or a drain limit), and sums up.
 */
async function fanOut(
  url: string,
  mode: 'latigo' | 'bare',
  clients: number,
  total: number,
  children: ChildProcess[],
  produce: () => Promise<{ firstId: number; lastId: number }>,
): Promise<Run> {
  const listeners = shares(clients, LISTENER_PROCESSES).map((share) => {
    const listener = fork('dist/bench/liveFeedClients.js', [url, mode, String(share), TOKEN], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(listener);
    return listener;
  });
  await Promise.all(listeners.map((listener) => nextMessage<{ ready: number }>(listener)));
  const startedAt = Date.now();
  const { firstId, lastId } = await produce();
  if (lastId - firstId + 1 !== total) throw new Error(`${mode}: produced ids ${firstId}..${lastId}, expected ${total} events`);
  let stats = await statsOfAll(listeners);
  // Drain: until every client has the last event, or nothing has arrived for 15 s.
  for (let quietSince = Date.now(); stats.minLastId < lastId && Date.now() - quietSince < 15_000;) {
    await sleep(200);
    const next = await statsOfAll(listeners);
    if (next.delivered > stats.delivered) quietSince = Date.now();
    stats = next;
  }
  for (const listener of listeners) listener.kill('SIGTERM');
  const sorted = stats.latencies.sort((a, b) => a - b);
  const run: Run = {
    delivered: stats.delivered,
    perSecond: stats.delivered / ((stats.lastAt - startedAt) / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    lost: clients * total - stats.delivered,
    lagged: stats.lagged,
  };
  process.stderr.write(`${SUITE}: ${mode} ${JSON.stringify(run)}\n`);
  return run;
}

/** `count` split into `parts` near-equal whole shares. */
function shares(count: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(count / parts) + (i < count % parts ? 1 : 0)).filter((n) => n > 0);
}

async function statsOfAll(listeners: ChildProcess[]): Promise<ClientStats> {
  const all = await Promise.all(listeners.map(statsOf));
  return {
    delivered: all.reduce((sum, s) => sum + s.delivered, 0),
    lagged: all.reduce((sum, s) => sum + s.lagged, 0),
    latencies: all.flatMap((s) => s.latencies),
    firstAt: Math.min(...all.map((s) => s.firstAt)),
    lastAt: Math.max(...all.map((s) => s.lastAt)),
    minLastId: Math.min(...all.map((s) => s.minLastId)),
  };
}

function statsOf(child: ChildProcess): Promise<ClientStats> {
  const answer = nextMessage<ClientStats>(child);
  child.send({ stats: true });
  return answer;
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`a bench child exited (${code})`));
    child.once('exit', exited);
    child.once('message', (message) => {
      child.off('exit', exited);
      resolve(message as T);
    });
  });
}

/** Calls `append(firstIndex)` for batches of BATCH, on the schedule of EVENTS_PER_SECOND (catching up when late). */
async function paced(total: number, append: (from: number) => Promise<void>): Promise<void> {
  const started = Date.now();
  for (let sent = 0; sent < total; sent += BATCH) {
    const due = started + (sent / EVENTS_PER_SECOND) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
    await append(sent);
  }
}

function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? NaN : Number(match[1]) / 1024;
}
