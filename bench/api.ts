import { withBuiltInTables } from '../test/fixtures/builtInMigrations.js';
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import yaml from 'js-yaml';
import { DatabasePredictionStorage } from '../providers/embedded/DatabasePredictionStorage.js';
import { EmbeddedModelRegistry, type ModelDefinition } from '../providers/embedded/EmbeddedModelRegistry.js';
import type { PredictionRow } from '../src/domain/Prediction.js';
import { timeRange } from '../src/domain/TimeRange.js';
import { openDatabase } from '../src/persistence/dataSource.js';
import { runMigrations } from '../src/persistence/migrate.js';
import { silentLogger } from '../src/runtime/logger.js';
import { measureRunLatency } from './apiRunLatency.js';
import { median, report } from './report.js';
import type { Suite } from './suite.js';

const SUITE = 'api';
const TAGS = 8;
const RESOLUTION_MS = 10_000;
const DAY_MS = 86_400_000;
const DAY_START_MS = Date.parse('2026-01-01T00:00:00Z');

/**
 * `npm run bench -- api`: the service API (a real `latigo api` process over HTTP, embedded SQLite) against
 * baselines in the same run: the same prediction rows read directly from the database, and the same queue
 * query behind a bare node:http handler; then the on-demand run latency with idle executors (apiRunLatency.ts).
 */
export const api: Suite = async (dir, scale) => {
  const models = Math.max(10, Math.round(9000 * scale));
  const predictedModels = Math.max(1, Math.round(100 * scale));
  const rowsPerDay = DAY_MS / RESOLUTION_MS;
  const url = `sqlite:${join(dir, 'latigo.sqlite')}`;
  const db = await openDatabase({ url, busyTimeoutMs: 15_000, logQueries: false }, withBuiltInTables);
  await runMigrations(db);
  const started = performance.now();
  const definitions: ModelDefinition[] = Array.from({ length: models }, (_, m) => ({
    project: 'bench',
    name: `model-${String(m).padStart(5, '0')}`,
    inputTags: Array.from({ length: TAGS }, (_, t) => `m${m}/tag-${t}`),
    resolutionMs: RESOLUTION_MS,
    trainingRange: timeRange(DAY_START_MS - DAY_MS, DAY_START_MS),
  }));
  const summaries = await new EmbeddedModelRegistry(db, { models: [] }, silentLogger).saveModels(definitions);
  const storage = new DatabasePredictionStorage(db, silentLogger);
  const tagNames = Array.from({ length: TAGS }, (_, t) => `tag-${t}`);
  for (const summary of summaries.slice(0, predictedModels)) {
    const rows: PredictionRow[] = Array.from({ length: rowsPerDay }, (_, i) => ({
      timeMs: DAY_START_MS + i * RESOLUTION_MS,
      outputs: tagNames.map((_, t) => Math.sin(i + t)),
      contributions: tagNames.map((_, t) => (t + 1) / 36),
      totalAnomaly: (i % 97) / 50,
      threshold: 1.5,
      isAnomaly: i % 97 > 75,
    }));
    await storage.store({
      project: summary.project,
      model: summary.name,
      revision: summary.revision,
      window: timeRange(DAY_START_MS, DAY_START_MS + DAY_MS),
      tagNames,
      rows,
    });
  }
  process.stderr.write(
    `${SUITE}: seeded ${models} models, ${predictedModels} x ${rowsPerDay} prediction rows in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );

  const config = join(dir, 'config.yaml');
  writeFileSync(config, yaml.dump({ database: { url }, logging: { level: 'warn', format: 'json' }, api: { port: 0, max_page_size: 500 } }));
  const child = spawn(process.execPath, ['dist/src/cli.js', '--config', config, 'api'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  let base: string | undefined;
  for (let waited = 0; base === undefined; waited += 50) {
    base = /API and docs at (http:\/\/\S+)\/api\/docs/.exec(output)?.[1];
    if (waited > 60_000 || child.exitCode !== null) throw new Error(`latigo api did not start: ${output}`);
    await sleep(50);
  }
  let bare: ChildProcess | undefined;
  try {
    // 1. The first page of 500 models under 16 concurrent clients. Steady state: the api reads the catalogue
    // once at start (parsing 9,000 definitions takes a second or more), and the load starts once it has.
    const warmup = await fetch(`${base}/api/v1/models?limit=500`);
    if (!warmup.ok) throw new Error(`GET /api/v1/models answered ${warmup.status}: ${await warmup.text()}`);
    const models500 = await load(`${base}/api/v1/models?limit=500`, 16, 10);
    report({ suite: SUITE, metric: 'models_p50_ms', value: models500.latency.p50, unit: 'ms', models, requests: models500.requests.total });
    report({ suite: SUITE, metric: 'models_p99_ms', value: models500.latency.p99, unit: 'ms', target: '<=50', models, connections: 16 });

    // 2. One model's day of predictions through the API against a direct read of the same rows, alternately.
    const model = summaries[0]!;
    const range = `from=${new Date(DAY_START_MS).toISOString()}&to=${new Date(DAY_START_MS + DAY_MS).toISOString()}`;
    const columnsMs: number[] = [];
    const rowsMs: number[] = [];
    const directMs: number[] = [];
    const timed = async (into: number[], warm: boolean, read: () => Promise<number>) => {
      const t0 = performance.now();
      const n = await read();
      if (n !== rowsPerDay) throw new Error(`a read returned ${n} rows, expected ${rowsPerDay}`);
      if (!warm) into.push(performance.now() - t0);
    };
    const predictions = `${base}/api/v1/models/bench/${model.name}/predictions?${range}&limit=10000`;
    const reads: [number[], () => Promise<number>][] = [
      // The columnar format, the row format, and the direct read of the same rows.
      [columnsMs, async () => ((await (await fetch(`${predictions}&format=columns`)).json()) as { time: unknown[] }).time.length],
      [rowsMs, async () => ((await (await fetch(predictions)).json()) as { items: unknown[] }).items.length],
      [
        directMs,
        async () =>
          (await storage.readPredictions({ project: 'bench', name: model.name }, timeRange(DAY_START_MS, DAY_START_MS + DAY_MS))).rows
            .length,
      ],
    ];
    // Alternately, each read first in turn: the garbage a read leaves in this process (the row format's the most)
    // is collected during whatever runs next, and in a fixed order that was always the direct read. Round 0
    // warms all three; then 15 timed rounds, as 7 gave ratios from 0.74 to 1.15 in runs minutes apart.
    for (let i = 0; i < 16; i++) {
      for (let k = 0; k < reads.length; k++) {
        const [into, read] = reads[(i + k) % reads.length]!;
        await timed(into, i === 0, read);
      }
    }
    const apiRate = rowsPerDay / (median(columnsMs) / 1000);
    const rowsRate = rowsPerDay / (median(rowsMs) / 1000);
    const directRate = rowsPerDay / (median(directMs) / 1000);
    const baseline = 'PredictionReader.readPredictions in the bench process (no HTTP, no JSON)';
    report({ suite: SUITE, metric: 'predictions_rows_per_second', value: apiRate, unit: 'rows/s', rows: rowsPerDay, format: 'columns' });
    report({
      suite: SUITE,
      metric: 'predictions_ratio_vs_direct',
      value: apiRate / directRate,
      unit: 'ratio',
      baseline,
      baseline_value: directRate,
      target: '>=0.6',
      format: 'columns',
    });
    report({
      suite: SUITE,
      metric: 'predictions_row_format_ratio_vs_direct',
      value: rowsRate / directRate,
      unit: 'ratio',
      baseline,
      baseline_value: directRate,
      format: 'rows',
    });

    // 3. Framework overhead: GET /api/v1/queue against a bare node:http handler running the same queries.
    bare = spawn(process.execPath, ['dist/bench/bareQueueServer.js', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const bareUrl = `http://127.0.0.1:${await listeningPort(bare)}/`;
    const viaApi: number[] = [];
    const viaBare: number[] = [];
    const queueUrl = `${base}/api/v1/queue`;
    // Both warm first (the bare server has just started, and the api has not served this route yet), then
    // three rounds each, alternating which goes first, so the median is one round's and neither side always
    // follows the other.
    await load(queueUrl, 16, 2);
    await load(bareUrl, 16, 2);
    for (let round = 0; round < 3; round++) {
      const apiRound = async () => viaApi.push((await load(queueUrl, 16, 5)).requests.average);
      const bareRound = async () => viaBare.push((await load(bareUrl, 16, 5)).requests.average);
      for (const next of round % 2 === 0 ? [apiRound, bareRound] : [bareRound, apiRound]) await next();
    }
    const apiRps = median(viaApi);
    const bareRps = median(viaBare);
    report({ suite: SUITE, metric: 'queue_requests_per_second', value: apiRps, unit: 'req/s' });
    report({
      suite: SUITE,
      metric: 'framework_ratio_vs_node_http',
      value: apiRps / bareRps,
      unit: 'ratio',
      baseline: 'bare node:http handler running the same queries, in a process of its own',
      baseline_value: bareRps,
      target: '>=0.8',
    });
  } finally {
    child.kill('SIGTERM');
    bare?.kill('SIGTERM');
    await db.close();
  }
  // 4. On-demand run latency, in a database of its own with trained models and two idle executors.
  await measureRunLatency(dir);
};

async function listeningPort(child: ChildProcess): Promise<number> {
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  for (let waited = 0; ; waited += 50) {
    const port = /listening (\d+)/.exec(text)?.[1];
    if (port !== undefined) return Number(port);
    if (waited > 30_000 || child.exitCode !== null) throw new Error('the bare queue server did not start');
    await sleep(50);
  }
}

function load(url: string, connections: number, durationSeconds: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: durationSeconds });
}
