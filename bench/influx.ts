import { inFlight as runInFlight } from './inFlight.js';
import { performance } from 'node:perf_hooks';
import { assetSeries, demoPlantLayout, type DemoAsset, type DemoPlantLayout } from '../src/demo/index.js';
import { createInfluxClient } from '../providers/influx/client.js';
import { parseInfluxPredictionConfig, parseInfluxSensorConfig } from '../providers/influx/config.js';
import { InfluxPredictionStorage } from '../providers/influx/InfluxPredictionStorage.js';
import { InfluxSensorDataProvider } from '../providers/influx/InfluxSensorDataProvider.js';
import type { PredictionRow, PredictionSet } from '../src/domain/Prediction.js';
import { timeRange, type TimeRange } from '../src/domain/TimeRange.js';
import { silentLogger } from '../src/runtime/logger.js';
import { Influxd, INFLUXD } from '../test/servers/influxd.js';
import { median, report } from './report.js';
import type { Suite } from './suite.js';

const SUITE = 'influx';
const TAGS = 8;
const RESOLUTION_MS = 10_000;
const WINDOW_MS = 30 * 60_000;
const ROWS = WINDOW_MS / RESOLUTION_MS;
/** Reads and writes in flight at once, on both sides: the executor's default concurrency. */
const IN_FLIGHT = 8;
const inFlight = <T>(items: readonly T[], work: (item: T) => Promise<unknown>) => runInFlight(items, work, IN_FLIGHT);
/** Measured passes, alternating so neither side always runs first or on a warmer server. */
const ORDER = ['raw', 'latigo', 'latigo', 'raw'] as const;
type Side = (typeof ORDER)[number];

/**
 * The 9,000-model workload of cycle-embedded against a real local influxd 1.6 (started by the suite on a
 * throwaway data directory), in the v1 API mode:
 * - reads: every model's 8 tags over one 30-minute window at 10 s (180 buckets per tag), through
 *   InfluxSensorDataProvider.getData, against one hand-written InfluxQL query per model
 *   (`SELECT mean(value) ... GROUP BY time(10s), tag`) sent with fetch and parsed with JSON.parse;
 * - writes: every model's predictions for that window (180 rows, 19 points a row), through
 *   InfluxPredictionStorage.store, against one hand-built line-protocol POST per model, each side into
 *   a fresh database.
 * Both sides keep 8 requests in flight. Seeding is untimed; passes alternate raw/latigo/latigo/raw, the
 * reported figure is the median of each side's passes.
 */
export const influx: Suite = async (_dir, scale) => {
  const models = Math.max(10, Math.round(9_000 * scale));
  const server = await Influxd.launch();
  try {
    const database = 'bench_sensors';
    await server.createDatabase(database);
    const window = timeRange(Date.UTC(2026, 0, 1, 12), Date.UTC(2026, 0, 1, 12) + WINDOW_MS);
    const layout = demoPlantLayout({
      assets: models,
      tagsPerAsset: TAGS,
      resolutionMs: RESOLUTION_MS,
      historyMs: 0,
      trainingMs: 0,
      faultsPerAsset: 0,
      seed: 7,
      project: 'bench',
    });
    const seeded = await seed(server, database, layout, window);
    const sizes = { models, tags_per_model: TAGS, rows_per_tag: ROWS, in_flight: IN_FLIGHT, server: await serverVersion(server), scale };

    const sensorConfig = parseInfluxSensorConfig({ url: server.url, api: 'v1', database }, 'sensor_data');
    const reader = new InfluxSensorDataProvider(createInfluxClient(sensorConfig), sensorConfig.sensors, silentLogger);
    const readPasses: Record<Side, number[]> = { raw: [], latigo: [] };
    let expectedPoints = 0;
    await readRaw(server.url, database, layout.assets.slice(0, 50), window); // warm-up of both paths and the server's caches
    await Promise.all(layout.assets.slice(0, 50).map((a) => reader.getData(a.tags, window, RESOLUTION_MS)));
    for (const side of ORDER) {
      const started = performance.now();
      const points =
        side === 'raw'
          ? await readRaw(server.url, database, layout.assets, window)
          : await inFlight(layout.assets, async (asset) => countValues((await reader.getData(asset.tags, window, RESOLUTION_MS)).columns));
      const seconds = (performance.now() - started) / 1000;
      readPasses[side].push(points / seconds);
      if (expectedPoints === 0) expectedPoints = points;
      if (points !== expectedPoints) throw new Error(`the ${side} read returned ${points} values, another pass ${expectedPoints}`);
      process.stderr.write(`${SUITE}: read pass ${side}: ${points} values in ${seconds.toFixed(1)} s\n`);
    }

    const rows = predictionRows(window);
    const sets = layout.assets.map((asset): PredictionSet => ({
      project: 'bench',
      model: `${asset.name}-anomaly`,
      revision: 'r1',
      window,
      tagNames: asset.tags.map((t) => t.name),
      rows,
    }));
    const pointsPerSet = rows.length * (2 * TAGS + 3);
    const writePasses: Record<Side, number[]> = { raw: [], latigo: [] };
    let pass = 0;
    for (const side of ORDER) {
      const target = `bench_predictions_${pass++}`;
      await server.createDatabase(target);
      const started = performance.now();
      if (side === 'raw') {
        await inFlight(sets, (set) => writeRaw(server.url, target, set));
      } else {
        const config = parseInfluxPredictionConfig({ url: server.url, api: 'v1', database: target }, 'prediction_storage');
        const storage = new InfluxPredictionStorage(createInfluxClient(config), config.predictions, silentLogger);
        await inFlight(sets, (set) => storage.store(set));
      }
      const seconds = (performance.now() - started) / 1000;
      const stored = await countStored(server, target);
      if (stored !== sets.length * pointsPerSet)
        throw new Error(`the ${side} write stored ${stored} points, expected ${sets.length * pointsPerSet}`);
      writePasses[side].push(stored / seconds);
      process.stderr.write(`${SUITE}: write pass ${side}: ${stored} points in ${seconds.toFixed(1)} s\n`);
      await server.dropDatabase(target);
    }

    const read = { latigo: median(readPasses.latigo), raw: median(readPasses.raw) };
    const write = { latigo: median(writePasses.latigo), raw: median(writePasses.raw) };
    const readBaseline = 'one hand-written InfluxQL GROUP BY time() query per model with fetch + JSON.parse, same concurrency';
    const writeBaseline = 'one hand-built line-protocol POST per model with fetch, same concurrency';
    report({
      suite: SUITE,
      metric: 'read_points_per_second',
      value: read.latigo,
      unit: 'points/s',
      baseline: readBaseline,
      baseline_value: read.raw,
      timed: 'getData of every model (bucket means returned)',
      passes: readPasses.latigo,
      ...sizes,
    });
    report({
      suite: SUITE,
      metric: 'read_ratio_vs_raw',
      value: read.latigo / read.raw,
      unit: 'ratio',
      baseline: readBaseline,
      baseline_value: read.raw,
      target: '>=0.8',
    });
    report({
      suite: SUITE,
      metric: 'write_points_per_second',
      value: write.latigo,
      unit: 'points/s',
      baseline: writeBaseline,
      baseline_value: write.raw,
      timed: 'store of every model, 19 points a row',
      passes: writePasses.latigo,
      ...sizes,
    });
    report({
      suite: SUITE,
      metric: 'write_ratio_vs_raw',
      value: write.latigo / write.raw,
      unit: 'ratio',
      baseline: writeBaseline,
      baseline_value: write.raw,
      target: '>=0.8',
    });
    report({
      suite: SUITE,
      metric: 'setup_seconds',
      value: seeded.seconds,
      unit: 's',
      note: 'untimed: start influxd, write the raw sensor points',
      points: seeded.points,
    });
  } finally {
    await server.remove();
  }
};

/** Raw points for every model's window (and nothing else), written with plain line protocol. */
async function seed(
  server: Influxd,
  database: string,
  layout: DemoPlantLayout,
  window: TimeRange,
): Promise<{ seconds: number; points: number }> {
  const started = performance.now();
  const { assets } = layout;
  // 4 models' points per request, 2 requests in flight (the server's own pace), built as they are sent.
  const groups: DemoAsset[][] = [];
  for (let i = 0; i < assets.length; i += 4) groups.push(assets.slice(i, i + 4));
  const points = await runInFlight(
    groups,
    async (group) => {
      const lines: string[] = [];
      for (const asset of group) {
        const series = assetSeries(layout, asset, window);
        asset.tags.forEach((tag, i) => {
          const key = `sensor,asset=${asset.name},tag=${tag.name},unit=${tag.unit ?? 'u'}`;
          for (let j = 0; j < series.timesMs.length; j++) lines.push(`${key} value=${series.columns[i]![j]} ${series.timesMs[j]}`);
        });
      }
      await server.write(database, lines);
      return lines.length;
    },
    2,
  );
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`${SUITE}: seeded ${assets.length} models x ${TAGS} tags (${points} points) in ${seconds.toFixed(1)} s\n`);
  return { seconds, points };
}

async function readRaw(url: string, database: string, assets: readonly DemoAsset[], window: TimeRange): Promise<number> {
  return inFlight(assets, async (asset) => {
    // `tag` is an InfluxQL keyword: even hand-written, it needs its quotes.
    const q =
      `SELECT mean(value) FROM sensor WHERE (${asset.tags.map((t) => `"tag" = '${t.name}'`).join(' OR ')}) ` +
      `AND time >= ${window.fromMs}ms AND time < ${window.toMs}ms GROUP BY time(${RESOLUTION_MS}ms), "tag"`;
    const response = await fetch(`${url}/query?db=${database}&epoch=ms`, { method: 'POST', body: new URLSearchParams({ q }) });
    const answer = (await response.json()) as {
      results?: { error?: string; series?: { values: [number, number | null][] }[] }[];
      error?: string;
    };
    const error = answer.error ?? answer.results?.[0]?.error;
    if (!answer.results || error) throw new Error(`raw read failed: ${response.status} ${error}`);
    let values = 0;
    for (const series of answer.results[0]?.series ?? []) for (const [, v] of series.values) if (v !== null) values++;
    return values;
  });
}

async function writeRaw(url: string, database: string, set: PredictionSet): Promise<number> {
  const lines: string[] = [];
  const base = `prediction,model=${set.model},project=${set.project},revision=${set.revision}`;
  for (const row of set.rows) {
    set.tagNames.forEach((tag, i) => {
      lines.push(
        `prediction,model=${set.model},output=model-output,project=${set.project},revision=${set.revision},tag=${tag} value=${row.outputs[i]} ${row.timeMs}`,
      );
      lines.push(
        `prediction,model=${set.model},output=anomaly-contribution,project=${set.project},revision=${set.revision},tag=${tag} value=${row.contributions[i]} ${row.timeMs}`,
      );
    });
    lines.push(`${base.replace(',project', ',output=total-anomaly,project')} value=${row.totalAnomaly} ${row.timeMs}`);
    lines.push(`${base.replace(',project', ',output=anomaly-threshold,project')} value=${row.threshold} ${row.timeMs}`);
    lines.push(`${base.replace(',project', ',output=is-anomaly,project')} value=${row.isAnomaly ? 1 : 0} ${row.timeMs}`);
  }
  const response = await fetch(`${url}/write?db=${database}&precision=ms`, { method: 'POST', body: lines.join('\n') });
  if (response.status !== 204) throw new Error(`raw write failed: ${response.status} ${await response.text()}`);
  return lines.length;
}

function predictionRows(window: TimeRange): PredictionRow[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    timeMs: window.fromMs + i * RESOLUTION_MS,
    outputs: Array.from({ length: TAGS }, (_, t) => 100 + t + Math.sin(i / 10)),
    contributions: Array.from({ length: TAGS }, (_, t) => (t + 1) / 36),
    totalAnomaly: 0.5 + Math.cos(i / 20) / 4,
    threshold: 1,
    isAnomaly: false,
  }));
}

async function countStored(server: Influxd, database: string): Promise<number> {
  const answer = await server.query('SELECT count("value") FROM "prediction"', database);
  return Number(answer.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0);
}

async function serverVersion(server: Influxd): Promise<string> {
  return (await fetch(`${server.url}/ping`)).headers.get('x-influxdb-version') ?? INFLUXD;
}

function countValues(columns: readonly Float64Array[]): number {
  let n = 0;
  for (const column of columns) for (const v of column) if (!Number.isNaN(v)) n++;
  return n;
}
