import { inFlight as runInFlight } from './inFlight.js';
import { fork, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { extname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { parseDataApiConfig } from '../providers/data-api/config.js';
import { DataApiClient } from '../providers/data-api/DataApiClient.js';
import { DataApiPredictionStorage } from '../providers/data-api/DataApiPredictionStorage.js';
import { DataApiSensorData } from '../providers/data-api/DataApiSensorData.js';
import { SeriesDirectory } from '../providers/data-api/SeriesDirectory.js';
import { createBearerTokenSource } from '../src/credentials/index.js';
import type { PredictionRow, PredictionSet, SensorTag } from '../src/domain/index.js';
import { timeRange } from '../src/domain/TimeRange.js';
import { silentLogger } from '../src/runtime/logger.js';
import type { SeedReply, SeedRequest, StatsReply } from './dataApiServerProcess.js';
import { median, report } from './report.js';
import type { Suite } from './suite.js';

const SUITE = 'data-api';
const TAGS = 8;
const RESOLUTION_MS = 10_000;
const WINDOW_MS = 30 * 60_000;
const ROWS = WINDOW_MS / RESOLUTION_MS;
/** Output series per model: model-output and tag-anomaly per tag, three per model. */
const OUTPUTS = 2 * TAGS + 3;
const IN_FLIGHT = 8;
const inFlight = <T>(items: readonly T[], work: (item: T) => Promise<unknown>) => runInFlight(items, work, IN_FLIGHT);
const ORDER = ['plain', 'latigo', 'latigo', 'plain', 'plain', 'latigo'] as const;
type Side = (typeof ORDER)[number];

/**
 * The 9,000-model workload (8 tags, a 30-minute window at 10 s) against the loopback Data API in a child
 * process. Reads: DataApiSensorData.getData per model (multi-id read, paging, status filter, resampling,
 * cached name lookups) against one plain axios POST /query/data per model with the ids known. Writes:
 * DataApiPredictionStorage.store per model (19 series x 180 rows) against one plain axios POST /data per model
 * with the ids known. Both sides keep 8 requests in flight over the same kind of keep-alive agent. The first,
 * untimed latigo pass is each model's first task (cold caches) and gives `requests_per_task_cold`; timed passes
 * alternate plain/latigo/latigo/plain/plain/latigo and report medians. Points per second count datapoints received or sent.
 */
export const dataApi: Suite = async (_dir, scale) => {
  const models = Math.max(10, Math.round(9_000 * scale));
  const server = await startServer();
  try {
    const window = timeRange(Date.UTC(2026, 0, 1, 12), Date.UTC(2026, 0, 1, 12) + WINDOW_MS);
    const seeded = await server.call<SeedReply>({
      type: 'seed',
      models,
      tags: TAGS,
      outputsPerModel: OUTPUTS,
      fromMs: window.fromMs - 3_600_000,
      stepMs: RESOLUTION_MS,
      count: 3 * 360,
    });
    const tagsOf = (m: number): SensorTag[] => Array.from({ length: TAGS }, (_, t) => ({ name: `1000.M${m}-T${t}`, asset: '1000' }));
    const indices = Array.from({ length: models }, (_, m) => m);
    const sizes = { models, tags_per_model: TAGS, rows_per_tag: ROWS, in_flight: IN_FLIGHT, scale };

    // The latigo side as an executor builds it (no facility rules: facilities come from name lookups, as in the Python latigo).
    const config = parseDataApiConfig({ base_url: server.baseUrl, credential: { kind: 'static', token: 'bench' } }, 'sensor_data');
    const client = DataApiClient.create(config, createBearerTokenSource(config.credential), silentLogger);
    const directory = new SeriesDirectory(client, config);
    const reader = new DataApiSensorData(client, directory, config, silentLogger);
    const storage = new DataApiPredictionStorage(client, directory, config, silentLogger);
    const rows = predictionRows(window.fromMs);
    const setOf = (m: number): PredictionSet => ({
      project: 'bench',
      model: `model-${m}`,
      revision: 'r1',
      window,
      tagNames: tagsOf(m).map((t) => t.name),
      rows,
    });

    // Plain baseline: axios with the ids known, no paging, cache or retry.
    const plain = axios.create({
      baseURL: server.baseUrl,
      httpAgent: new Agent({ keepAlive: true, maxSockets: 16 }),
      headers: { Authorization: 'Bearer bench' },
    });
    const readPlain = async (m: number) => {
      const body = seeded.inputIds[m]!.map((id) => ({
        id,
        startTime: new Date(window.fromMs).toISOString(),
        endTime: new Date(window.toMs).toISOString(),
        limit: 100_000,
        includeOutsidePoints: false,
        statusFilter: [192],
      }));
      const answer = await plain.post<{ data: { items: { datapoints: unknown[] }[] } }>('/query/data', body);
      return answer.data.data.items.reduce((n, item) => n + item.datapoints.length, 0);
    };
    const writePlain = async (m: number) => {
      const times = rows.map((r) => new Date(r.timeMs).toISOString());
      const items = seeded.outputIds[m]!.map((id, k) => ({
        id,
        datapoints: rows.map((r, i) => ({ time: times[i]!, value: valueOf(r, k), status: 192 })),
      }));
      await plain.post('/data', { items }, { params: { async: 'false' } });
      return items.length * rows.length;
    };

    // Each model's first task, untimed: name lookups, output series creation.
    let before = await server.call<StatsReply>({ type: 'stats' });
    await inFlight(indices, async (m) => {
      await reader.getData(tagsOf(m), window, RESOLUTION_MS);
      await storage.store(setOf(m));
    });
    let after = await server.call<StatsReply>({ type: 'stats' });
    const coldRequests = (after.requests - before.requests) / models;
    await inFlight(indices, readPlain); // the plain path gets the same untimed warm-up

    const readPasses: Record<Side, number[]> = { plain: [], latigo: [] };
    const writePasses: Record<Side, number[]> = { plain: [], latigo: [] };
    // Client CPU seconds per pass: the server runs in its own process, so this is what each side costs here.
    const readCpu: Record<Side, number[]> = { plain: [], latigo: [] };
    const writeCpu: Record<Side, number[]> = { plain: [], latigo: [] };
    let latigoRequests = 0;
    let latigoTasks = 0;
    for (const side of ORDER) {
      before = await server.call<StatsReply>({ type: 'stats' });
      let started = performance.now();
      let cpu = process.cpuUsage();
      const points =
        side === 'plain'
          ? await inFlight(indices, readPlain)
          : await inFlight(indices, async (m) => (await reader.getData(tagsOf(m), window, RESOLUTION_MS)).quality.rawPoints);
      let seconds = (performance.now() - started) / 1000;
      readPasses[side].push(points / seconds);
      readCpu[side].push(cpuSeconds(process.cpuUsage(cpu)));
      process.stderr.write(`${SUITE}: read pass ${side}: ${points} points in ${seconds.toFixed(1)} s\n`);

      started = performance.now();
      cpu = process.cpuUsage();
      const written =
        side === 'plain'
          ? await inFlight(indices, writePlain)
          : await inFlight(indices, async (m) => {
              await storage.store(setOf(m));
              return rows.length * OUTPUTS;
            });
      seconds = (performance.now() - started) / 1000;
      writePasses[side].push(written / seconds);
      writeCpu[side].push(cpuSeconds(process.cpuUsage(cpu)));
      process.stderr.write(`${SUITE}: write pass ${side}: ${written} points in ${seconds.toFixed(1)} s\n`);
      after = await server.call<StatsReply>({ type: 'stats' });
      if (side === 'latigo') {
        latigoRequests += after.requests - before.requests;
        latigoTasks += models;
      }
    }

    const read = { plain: median(readPasses.plain), latigo: median(readPasses.latigo) };
    const write = { plain: median(writePasses.plain), latigo: median(writePasses.latigo) };
    const timed = 'median of 3 passes per side, alternating plain/latigo/latigo/plain/plain/latigo';
    report({ suite: SUITE, metric: 'read_points_per_second', value: read.latigo, unit: 'points/s', ...sizes, timed });
    report({
      suite: SUITE,
      metric: 'read_ratio_vs_plain',
      value: read.latigo / read.plain,
      unit: 'ratio',
      target: '>=0.9',
      baseline: 'one plain axios POST /query/data per model with the ids known (no paging, caching or retry)',
      baseline_value: read.plain,
      ...sizes,
      client_cpu_s: median(readCpu.latigo),
      baseline_client_cpu_s: median(readCpu.plain),
    });
    report({ suite: SUITE, metric: 'write_points_per_second', value: write.latigo, unit: 'points/s', ...sizes, timed });
    report({
      suite: SUITE,
      metric: 'write_ratio_vs_plain',
      value: write.latigo / write.plain,
      unit: 'ratio',
      target: '>=0.9',
      baseline: 'one plain axios POST /data per model with the series ids known',
      baseline_value: write.plain,
      ...sizes,
      client_cpu_s: median(writeCpu.latigo),
      baseline_client_cpu_s: median(writeCpu.plain),
    });
    report({
      suite: SUITE,
      metric: 'requests_per_task',
      value: latigoRequests / latigoTasks,
      unit: 'requests',
      ...sizes,
      baseline: 'the Python latigo: about 4 + 2N for N tags',
      baseline_value: 4 + 2 * TAGS,
      note: 'steady state: name cache warm, output series exist',
    });
    report({
      suite: SUITE,
      metric: 'requests_per_task_cold',
      value: coldRequests,
      unit: 'requests',
      ...sizes,
      note: "a model's first task: one lookup per tag (the first also gives the facility), one getoradd for its 19 output series",
    });
  } finally {
    server.stop();
  }
};

function valueOf(row: PredictionRow, k: number): number {
  if (k < TAGS) return row.outputs[k]!;
  if (k < 2 * TAGS) return row.contributions[k - TAGS]!;
  return [row.totalAnomaly, row.threshold, row.isAnomaly ? 1 : 0][k - 2 * TAGS]!;
}

function predictionRows(fromMs: number): PredictionRow[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    timeMs: fromMs + i * RESOLUTION_MS,
    outputs: Array.from({ length: TAGS }, (_, t) => 100 + t + Math.sin(i / 10)),
    contributions: Array.from({ length: TAGS }, (_, t) => (t + 1) / 36),
    totalAnomaly: 0.5 + Math.cos(i / 20) / 4,
    threshold: 1,
    isAnomaly: false,
  }));
}

/** The server child process: built (.js) or run through tsx (.ts), like this file. */
async function startServer() {
  const script = fileURLToPath(new URL(`./dataApiServerProcess${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const child: ChildProcess = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ baseUrl: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { baseUrl: string }));
    child.once('exit', (code) => reject(new Error(`the Data API server process exited with ${code}`)));
  });
  return {
    baseUrl: ready.baseUrl,
    call: <T>(message: SeedRequest | { type: 'stats' }) =>
      new Promise<T>((resolve) => {
        child.once('message', (m) => resolve(m as T));
        child.send(message);
      }),
    stop: () => child.disconnect(),
  };
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}
