import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Influxd } from '../test/servers/influxd.js';
import { inFlight } from './inFlight.js';
import { checkpoint, withThrowawayDatabase } from './postgresServer.js';
import { median, report } from './report.js';
import type { Suite } from './suite.js';

const SUITE = 'ingest';
const TAGS = 100;
const SENDERS = 8;
const LINES_PER_REQUEST = 5_000;
const T0 = Date.UTC(2026, 0, 1);

/** Request bodies: `points` line-protocol lines over TAGS sensors, one second apart per sensor, in ns. */
function bodies(points: number): string[] {
  const out: string[] = [];
  for (let start = 0; start < points; start += LINES_PER_REQUEST) {
    let text = '';
    for (let i = start; i < Math.min(points, start + LINES_PER_REQUEST); i++) {
      text += `sensor,tag=T${String(i % TAGS).padStart(3, '0')} value=${((i * 7) % 1000) / 10} ${T0 + Math.floor(i / TAGS) * 1000}000000`;
      text += '\n';
    }
    out.push(text);
  }
  return out;
}

async function send(url: string, body: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body });
  if (response.status >= 300) throw new Error(`${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  await response.arrayBuffer();
}

/** Starts `latigo api` on a fresh SQLite file (or `databaseUrl`) and resolves with its base URL and a stop function (resolving once it exited). */
async function startApi(dir: string, databaseUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const config = join(dir, 'ingest-bench.yaml');
  writeFileSync(config, `database:\n  url: ${databaseUrl}\nlogging:\n  level: warn\napi:\n  port: 0\n`);
  const child = spawn(process.execPath, [join(import.meta.dirname, '../src/cli.js'), '--config', config, 'api'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = /API and docs at (http:\/\/[^\s]+)\/api\/docs/.exec(out)?.[1];
    // Stopping waits for the exit, so a pass's shutdown (its last checkpoint) does not run into the next pass.
    const stop = () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        if (child.exitCode !== null || !child.kill('SIGTERM')) resolve();
      });
    if (url !== undefined) return { url, stop };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`latigo api did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends every body to a fresh `latigo api` on `databaseUrl` with SENDERS in flight; resolves with points/s. */
async function latigoIngestRate(dir: string, databaseUrl: string, requests: readonly string[], points: number): Promise<number> {
  const api = await startApi(dir, databaseUrl);
  try {
    const started = performance.now();
    await inFlight(requests, (body) => send(`${api.url}/api/v1/ingest`, body, {}), SENDERS);
    return points / ((performance.now() - started) / 1000);
  } finally {
    await api.stop();
  }
}

/** Sends every body to a freshly started influxd's /write with SENDERS in flight; resolves with points/s. */
async function influxdIngestRate(requests: readonly string[], points: number): Promise<number> {
  const influxd = await Influxd.launch();
  try {
    await influxd.createDatabase('bench');
    const started = performance.now();
    await inFlight(requests, (body) => send(`${influxd.url}/write?db=bench&precision=n`, body, {}), SENDERS);
    return points / ((performance.now() - started) / 1000);
  } finally {
    await influxd.remove();
  }
}

/**
 * Timed passes, each side a freshly started server on a fresh store (latigo's api is started per pass, so
 * influxd is too: in two runs at scale 0.1, one warmed by earlier passes took the bodies 20-30 % faster than
 * a fresh one). Side by side in pairs, the pairs alternating which side goes first, so a load change on the
 * shared machine between two passes moves one pair's ratio, not every one.
 */
const ORDER = ['influxd', 'latigo', 'latigo', 'influxd', 'influxd', 'latigo'] as const;

/**
 * HTTP ingest of line protocol (TAGS sensors, 8 concurrent senders, 5,000 lines a request) into latigo's
 * embedded store on SQLite, against a real local influxd 1.6 taking the same bodies on its own /write in
 * the same run: three pairs of passes (ORDER), the reported ratio the median of the pairs' ratios. Then
 * the same into the embedded store on PostgreSQL (a throwaway database on the bench server), once,
 * reported beside it. 10 million points at scale 1.
 */
export const ingest: Suite = async (dir, scale, options) => {
  const points = Math.max(100_000, Math.round(10_000_000 * scale));
  const requests = bodies(points);
  const sizes = {
    points,
    tags: TAGS,
    senders: SENDERS,
    lines_per_request: LINES_PER_REQUEST,
    scale,
    machine: 'shared 2-core machine, loaded by other jobs',
  };

  const rates: Record<(typeof ORDER)[number], number[]> = { influxd: [], latigo: [] };
  for (const [pass, side] of ORDER.entries()) {
    const rate =
      side === 'influxd'
        ? await influxdIngestRate(requests, points)
        : await latigoIngestRate(dir, `sqlite:${join(dir, `latigo-${pass}.sqlite`)}`, requests, points);
    rates[side].push(rate);
    const where = side === 'influxd' ? 'influxd /write' : 'latigo /api/v1/ingest (SQLite)';
    process.stderr.write(`${SUITE}: pass ${pass + 1} ${where} ${points} points at ${Math.round(rate)} points/s\n`);
  }
  const pairRatios = rates.latigo.map((latigo, i) => latigo / rates.influxd[i]!);
  const influxRate = median(rates.influxd);
  const latigoRate = median(rates.latigo);
  let postgresRate = 0;
  await withThrowawayDatabase('ingest', options?.keep === true, async (database) => {
    await checkpoint(database.url);
    postgresRate = await latigoIngestRate(dir, database.url, requests, points);
  });
  process.stderr.write(`${SUITE}: latigo /api/v1/ingest (PostgreSQL) ${points} points at ${Math.round(postgresRate)} points/s\n`);
  const baseline = 'influxd 1.6 (Debian package) ingesting the same line-protocol bodies on /write, same senders, same run';
  report({
    suite: SUITE,
    metric: 'http_ingest_points_per_second',
    value: latigoRate,
    unit: 'points/s',
    baseline,
    baseline_value: influxRate,
    store: 'embedded SQLite',
    timed: 'median of the passes',
    passes: rates.latigo.map(Math.round),
    baseline_passes: rates.influxd.map(Math.round),
    ...sizes,
  });
  report({
    suite: SUITE,
    metric: 'http_ingest_ratio_vs_influxd',
    value: median(pairRatios),
    unit: 'ratio',
    baseline,
    baseline_value: influxRate,
    timed: 'median of the ratios of the pairs of adjacent passes',
    pair_ratios: pairRatios.map((r) => Math.round(r * 1000) / 1000),
    target: '>=1.0',
  });
  report({
    suite: SUITE,
    metric: 'http_ingest_points_per_second_postgres',
    value: postgresRate,
    unit: 'points/s',
    baseline,
    baseline_value: influxRate,
    store: 'embedded PostgreSQL (local server, throwaway database)',
    ratio: postgresRate / influxRate,
    ...sizes,
  });
};
