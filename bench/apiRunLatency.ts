import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import yaml from 'js-yaml';
import { seedFleet } from '../test/integration/helpers/fleet.js';
import { percentile, report } from './report.js';

const SUITE = 'api';
const RUNS = 50;

/**
 * On-demand run latency: from POST .../runs (one window, `rerun: true` so every run recomputes the same window)
 * to GET /runs/{id} saying `finished`, with two idle executors on embedded defaults (SQLite, the database queue
 * polling every 250 ms): an executor must be woken by the send, not by its poll, to stay under the target.
 * Timed: the POST and the status polls (every 2 ms) until finished; one warm-up run first.
 */
export async function measureRunLatency(dir: string): Promise<void> {
  const runsDir = join(dir, 'runs');
  mkdirSync(runsDir, { recursive: true });
  const path = join(runsDir, 'latigo.sqlite');
  const fleet = await seedFleet(path, { models: 1, tagsPerModel: 8 });
  const config = join(runsDir, 'config.yaml');
  writeFileSync(
    config,
    yaml.dump({
      database: { url: `sqlite:${path}` },
      logging: { level: 'warn', format: 'json' },
      scheduler: { delay: 0 },
      api: { port: 0 },
    }),
  );
  const processes: ChildProcess[] = [];
  const start = (...args: string[]) => {
    const child = spawn(process.execPath, ['dist/src/cli.js', '--config', config, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    processes.push(child);
    return child;
  };
  try {
    const base = await apiBase(start('api'));
    start('executor', '--name', 'executor-1');
    start('executor', '--name', 'executor-2');
    const model = fleet.models[0]!;
    const body = JSON.stringify({
      from: new Date(fleet.predictionRange.fromMs).toISOString(),
      to: new Date(fleet.predictionRange.fromMs + 10 * 60_000).toISOString(),
      rerun: true,
    });
    const oneRun = async (): Promise<number> => {
      const t0 = performance.now();
      const posted = await fetch(`${base}/api/v1/models/${fleet.project}/${model.name}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const run = (await posted.json()) as { id?: string; windows?: number };
      if (posted.status !== 202 || run.windows !== 1) throw new Error(`POST runs answered ${posted.status}: ${JSON.stringify(run)}`);
      for (;;) {
        const status = (await (await fetch(`${base}/api/v1/runs/${run.id}`)).json()) as {
          state: string;
          windowsByState: Record<string, number>;
        };
        if (status.state === 'finished') {
          if (status.windowsByState.succeeded !== 1) throw new Error(`the run ended ${JSON.stringify(status.windowsByState)}`);
          return performance.now() - t0;
        }
        if (performance.now() - t0 > 60_000) throw new Error('a 1-window run did not finish within 60 s');
        await sleep(2);
      }
    };
    await oneRun(); // warm-up: the executors' first task loads the model and opens their statements
    const latencies: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      latencies.push(await oneRun());
      await sleep(300); // executors idle again, waiting on their queue (longer than its poll interval)
    }
    latencies.sort((a, b) => a - b);
    const extra = { runs: RUNS, windows: 1, executors: 2, queue_poll_interval_ms: 250 };
    report({ suite: SUITE, metric: 'run_latency_p50_ms', value: percentile(latencies, 50), unit: 'ms', target: '<=250', ...extra });
    report({ suite: SUITE, metric: 'run_latency_p99_ms', value: percentile(latencies, 99), unit: 'ms', ...extra });
  } finally {
    for (const child of processes) child.kill('SIGTERM');
  }
}

async function apiBase(child: ChildProcess): Promise<string> {
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  for (let waited = 0; ; waited += 50) {
    const base = /API and docs at (http:\/\/\S+)\/api\/docs/.exec(output)?.[1];
    if (base !== undefined) return base;
    if (waited > 60_000 || child.exitCode !== null) throw new Error(`latigo api did not start: ${output}`);
    await sleep(50);
  }
}
