import { withBuiltInTables } from '../test/fixtures/builtInMigrations.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEmbeddedPredictorConfig } from '../providers/pca/config.js';
import { DatabasePredictionStorage } from '../providers/embedded/DatabasePredictionStorage.js';
import { EmbeddedModelRegistry, type ModelDefinition } from '../providers/embedded/EmbeddedModelRegistry.js';
import { EmbeddedSensorStore } from '../providers/embedded/EmbeddedSensorStore.js';
import { paddedRange } from '../src/executor/TaskRunner.js';
import { PcaModelExecutionProvider } from '../providers/pca/PcaModelExecutionProvider.js';
import { assetSeries, demoPlantLayout } from '../src/demo/index.js';
import type { ModelSummary } from '../src/domain/ModelDescription.js';
import { timeRange, type TimeRange } from '../src/domain/TimeRange.js';
import { openDatabase, type OpenDatabase as Database } from '../src/persistence/dataSource.js';
import { runMigrations } from '../src/persistence/migrate.js';
import { silentLogger } from '../src/runtime/logger.js';
import { executorNodeOptions } from '../src/cli/heapLimit.js';
import { parseWith } from '../src/config/schema.js';
import { executorSchema } from '../src/config/sections.js';
import { percentile, report } from './report.js';
import { clearPredictions, settleAfterSeeding } from './housekeeping.js';
import type { Suite } from './suite.js';

const executorDefaults = parseWith(executorSchema, {}, 'executor');

const TAGS = 8;
const RESOLUTION_MS = 10_000;
const INTERVAL_MS = 30 * 60_000;
const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');

/**
 * 9,000 models x 8 tags, one 30-minute window at 10 s (180 rows per tag), embedded defaults, a scheduler
 * and two executors as separate processes sharing one database. Every model has its own 8 sensors, and is
 * trained (untimed) on the 30 minutes before its window. Timed: from spawning the three processes until
 * the ledger holds a finished window for every model. Baseline, in the same run: the same reads, scoring
 * and writes done directly in this process, one model after another, with no queue, ledger or framework.
 */
export const cycleEmbedded: Suite = (dir, scale) => runCycle('cycle-embedded', dir, scale, `sqlite:${join(dir, 'cycle.sqlite')}`);

/** The cycle on the database at `url` (empty; migrated here), reported under `suite`. */
export async function runCycle(suite: string, dir: string, scale: number, url: string): Promise<void> {
  const models = Math.max(10, Math.round(9_000 * scale));
  // The schedule's tick grid is anchored 5 minutes ago, so the newest tick is ~5 minutes old and the next
  // one 25 minutes away: exactly one window per model is due during the run.
  const anchorMs = Math.floor((Date.now() - 5 * 60_000) / 1000) * 1000;
  const window = timeRange(anchorMs - INTERVAL_MS, anchorMs);
  const training = timeRange(window.fromMs - INTERVAL_MS, window.fromMs);
  const configPath = writeConfig(dir, url, anchorMs);

  const db = await openDatabase({ url, busyTimeoutMs: 30_000, logQueries: false }, withBuiltInTables);
  let seeded: Seeded,
    trainingMsPerModel: number,
    baselineRun: { seconds: number; cpuSeconds: number },
    cycle: PipelineRun,
    latencies: number[],
    rows: number;
  try {
    await runMigrations(db);
    seeded = await seed(db, suite, models, training, window);
    trainingMsPerModel = await train(db, seeded.summaries);

    baselineRun = await baseline(db, suite, seeded.summaries, window);
    await clearPredictions(db);

    cycle = await pipeline(db, configPath, models);
    latencies = (
      await db.dataSource.query<{ ms: number }[]>(
        "SELECT finished_at - started_at AS ms FROM task_run WHERE status = 'succeeded' ORDER BY ms",
      )
    ).map((r) => Number(r.ms));
    rows = Number((await db.dataSource.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM prediction'))[0]!.n);
  } finally {
    await db.close();
  }

  const sizes = { models, tags_per_model: TAGS, rows_per_tag: INTERVAL_MS / RESOLUTION_MS, executors: 2, database: db.dialect, scale };
  const tasksPerSecond = models / cycle.seconds;
  const baselineTasksPerSecond = models / baselineRun.seconds;
  const baselineWords = 'direct reads+scoring+writes in one process';
  report({
    suite,
    metric: 'cycle_seconds',
    value: cycle.seconds,
    unit: 's',
    target: '<=60',
    timed: 'spawn of scheduler + 2 executors until every window finished',
    ...sizes,
  });
  report({
    suite,
    metric: 'tasks_per_second',
    value: tasksPerSecond,
    unit: 'tasks/s',
    baseline: baselineWords,
    baseline_value: baselineTasksPerSecond,
    ...sizes,
  });
  report({ suite, metric: 'task_latency_p50_ms', value: percentile(latencies, 50), unit: 'ms', measured: 'task_run started..finished' });
  report({ suite, metric: 'task_latency_p99_ms', value: percentile(latencies, 99), unit: 'ms', measured: 'task_run started..finished' });
  for (const [name, mb] of Object.entries(cycle.peakRssMb)) {
    if (name.startsWith('executor'))
      report({ suite, metric: 'executor_peak_rss_mb', value: mb, unit: 'MB', target: '<=200', process: name });
  }
  const executorCpuSeconds = Object.entries(cycle.cpuSeconds)
    .filter(([name]) => name.startsWith('executor'))
    .reduce((sum, [, seconds]) => sum + seconds, 0);
  const baselineCpuMsPerTask = (1000 * baselineRun.cpuSeconds) / models;
  report({
    suite,
    metric: 'executor_cpu_ms_per_task',
    value: (1000 * executorCpuSeconds) / models,
    unit: 'ms',
    baseline: 'CPU of the direct loop per task',
    baseline_value: baselineCpuMsPerTask,
    measured: 'user+system CPU of both executors (start included) / windows',
  });
  report({ suite, metric: 'scheduler_peak_rss_mb', value: cycle.peakRssMb.scheduler ?? NaN, unit: 'MB', process: 'scheduler' });
  report({
    suite,
    metric: 'throughput_ratio_vs_baseline',
    value: tasksPerSecond / baselineTasksPerSecond,
    unit: 'ratio',
    baseline: baselineWords,
    baseline_value: baselineTasksPerSecond,
    target: '>=0.5',
  });
  report({
    suite,
    metric: 'training_ms_per_model',
    value: trainingMsPerModel,
    unit: 'ms',
    note: 'setup, outside the timed cycle; includes reading 180 training rows x 8 tags',
  });
  report({
    suite,
    metric: 'setup_seconds',
    value: seeded.seconds,
    unit: 's',
    note: `setup, outside the timed cycle: ${seeded.how}`,
    points: seeded.points,
  });
  report({ suite, metric: 'prediction_rows', value: rows, unit: 'rows', expected: models * (INTERVAL_MS / RESOLUTION_MS) });
}

function writeConfig(dir: string, url: string, anchorMs: number): string {
  const path = join(dir, 'cycle.yaml');
  writeFileSync(
    path,
    [
      `database: { url: ${JSON.stringify(url)}, busy_timeout: 30000 }`,
      `scheduler: { start_time: "${new Date(anchorMs).toISOString()}", interval: 30m, delay: 0, catch_up_horizon: 0, run_at_once: true, batch_size: 1000 }`,
      'executor: { concurrency: 8 }',
      'task_queue: { type: embedded, poll_interval: 50ms }',
      'logging: { level: warn, format: json }',
    ].join('\n'),
  );
  return path;
}

interface Seeded {
  readonly summaries: ModelSummary[];
  readonly points: number;
  readonly seconds: number;
  /** How the setup wrote the data, for the report. */
  readonly how: string;
}

async function seed(db: Database, suite: string, models: number, training: TimeRange, window: TimeRange): Promise<Seeded> {
  const started = performance.now();
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
  const store = new EmbeddedSensorStore(db, silentLogger);
  await store.upsertSensors(layout.assets.flatMap((asset) => asset.tags));
  const range = timeRange(training.fromMs, window.toMs);
  const definitions: ModelDefinition[] = [];
  let points = 0;
  const chunk = 250;
  for (let first = 0; first < layout.assets.length; first += chunk) {
    const batch = layout.assets.slice(first, first + chunk).flatMap((asset) => {
      const series = assetSeries(layout, asset, range);
      definitions.push({
        project: 'bench',
        name: `${asset.name}-anomaly`,
        inputTags: asset.tags.map((t) => t.name),
        resolutionMs: RESOLUTION_MS,
        trainingRange: training,
      });
      return asset.tags.map((tag, i) => ({ sensor: tag.name, timesMs: series.timesMs, values: series.columns[i]! }));
    });
    points += (await store.insertPoints(batch)).inserted;
  }
  const summaries = await new EmbeddedModelRegistry(db, { models: [] }, silentLogger).saveModels(definitions);
  const insertSeconds = (performance.now() - started) / 1000;
  await settleAfterSeeding(db);
  const seconds = (performance.now() - started) / 1000;
  const how =
    `EmbeddedSensorStore.insertPoints ${insertSeconds.toFixed(1)} s` +
    (db.dialect === 'postgres' ? `, then VACUUM ANALYZE ${(seconds - insertSeconds).toFixed(1)} s` : '');
  process.stderr.write(`${suite}: seeded ${models} models x ${TAGS} tags (${points} points) in ${seconds.toFixed(1)} s: ${how}\n`);
  return { summaries, points, seconds, how };
}

async function train(db: Database, summaries: readonly ModelSummary[]): Promise<number> {
  const registry = new EmbeddedModelRegistry(db, { models: [] }, silentLogger);
  const predictor = new PcaModelExecutionProvider(
    db,
    new EmbeddedSensorStore(db, silentLogger),
    parseEmbeddedPredictorConfig({}, 'predictor'),
    silentLogger,
  );
  const started = performance.now();
  for (const summary of summaries) await predictor.register(await registry.describeModel(summary.project, summary.name));
  return (performance.now() - started) / summaries.length;
}

/** The same work as the pipeline's executors, done directly: read, score, store, model after model. */
async function baseline(
  db: Database,
  suite: string,
  summaries: readonly ModelSummary[],
  window: TimeRange,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const registry = new EmbeddedModelRegistry(db, { models: [] }, silentLogger);
  const sensors = new EmbeddedSensorStore(db, silentLogger);
  const predictor = new PcaModelExecutionProvider(db, sensors, parseEmbeddedPredictorConfig({}, 'predictor'), silentLogger);
  const storage = new DatabasePredictionStorage(db, silentLogger);
  const models = await Promise.all(summaries.map((s) => registry.describeModel(s.project, s.name)));
  for (const model of models) await predictor.register(model); // loads parameters: not timed, as in a warm executor
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (const model of models) {
    // Padded like the executor pads: the history the model's lags and smoothing reach back.
    const frame = await sensors.getData(
      model.inputTags,
      paddedRange(window, model, predictor.requiredHistoryRows(model)),
      model.resolutionMs,
    );
    await storage.store(await predictor.execute(model, frame, window));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  process.stderr.write(`${suite}: baseline ${summaries.length} windows in ${seconds.toFixed(1)} s\n`);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

interface PipelineRun {
  readonly seconds: number;
  readonly peakRssMb: Record<string, number>;
  /** CPU time (user + system) each process used from its start to the end of the cycle. */
  readonly cpuSeconds: Record<string, number>;
}

async function pipeline(db: Database, configPath: string, models: number): Promise<PipelineRun> {
  const started = performance.now();
  const children = new Map<string, ChildProcess>([
    ['scheduler', spawnRole(configPath, ['scheduler'])],
    ['executor-1', spawnRole(configPath, ['executor', '--name', 'executor-1'], executorNodeOptions(executorDefaults))],
    ['executor-2', spawnRole(configPath, ['executor', '--name', 'executor-2'], executorNodeOptions(executorDefaults))],
  ]);
  const deadlineMs = performance.now() + 600_000;
  let finished = 0;
  try {
    while (finished < models) {
      for (const [name, child] of children) {
        if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} during the cycle`);
      }
      if (performance.now() > deadlineMs) throw new Error(`cycle did not finish within 600 s: ${finished} of ${models} windows`);
      await sleep(100);
      finished = Number(
        (
          await db.dataSource.query<{ n: number | string }[]>(
            "SELECT COUNT(*) AS n FROM prediction_window WHERE state IN ('succeeded', 'insufficient_data', 'dead')",
          )
        )[0]!.n,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = Object.fromEntries([...children].map(([name, child]) => [name, peakRssMbOf(child.pid!)]));
    const cpuSeconds = Object.fromEntries([...children].map(([name, child]) => [name, cpuSecondsOf(child.pid!)]));
    return { seconds, peakRssMb, cpuSeconds };
  } finally {
    await Promise.all([...children.values()].map(stop));
  }
}

/** Launches a role the way `latigo start` does (executors with the default executor.max_heap_mb). */
function spawnRole(configPath: string, args: string[], nodeOptions: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeOptions, CLI, ...args, '--config', configPath], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Peak resident set size from the kernel (VmHWM), as BENCHMARKS.md asks: not the JS heap. */
function peakRssMbOf(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU time a process has used (user + system, from /proc/<pid>/stat in clock ticks of 1/100 s, as Linux counts them). */
function cpuSecondsOf(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the 12th, stime the 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
}
