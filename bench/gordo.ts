import { withBuiltInTables } from '../test/fixtures/builtInMigrations.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { GordoClient } from '../providers/gordo/client.js';
import { GordoModelExecutionProvider } from '../providers/gordo/GordoModelExecutionProvider.js';
import { GordoModelInformationProvider } from '../providers/gordo/GordoModelInformationProvider.js';
import { parseEmbeddedPredictorConfig } from '../providers/pca/config.js';
import { EmbeddedModelRegistry, type ModelDefinition } from '../providers/embedded/EmbeddedModelRegistry.js';
import { EmbeddedSensorStore } from '../providers/embedded/EmbeddedSensorStore.js';
import { PcaModelExecutionProvider } from '../providers/pca/PcaModelExecutionProvider.js';
import { assetSeries, demoPlantLayout } from '../src/demo/index.js';
import { executorNodeOptions } from '../src/cli/heapLimit.js';
import { parseWith } from '../src/config/schema.js';
import { executorSchema } from '../src/config/sections.js';
import { timeRange, type TimeRange } from '../src/domain/TimeRange.js';
import { openDatabase, type OpenDatabase as Database } from '../src/persistence/dataSource.js';
import { runMigrations } from '../src/persistence/migrate.js';
import { silentLogger } from '../src/runtime/logger.js';
import { GordoServer, type GordoModelSpec } from '../test/servers/gordoServer.js';
import { report } from './report.js';
import type { Suite } from './suite.js';

const TAGS = 8;
const RESOLUTION_MS = 10_000;
const INTERVAL_MS = 30 * 60_000;
const PROJECT = 'bench';
const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');
const executorDefaults = parseWith(executorSchema, {}, 'executor');

/**
 * The Gordo client's cost: 9,000 models x 8 tags, one 30-minute window at 10 s, a scheduler and two
 * executor processes (`model_info: gordo`, `predictor: gordo`, embedded sensor store, queue and prediction
 * table) against the loopback Gordo server, which answers every prediction from one precomputed answer of
 * the right size (185 rows x 8 tags, every column group), so what is measured is our side: reading the
 * data, the dataset step, encoding, HTTP, parsing the NaN-tolerant JSON, decoding and storing.
 * In the same run, on the same data and database, the same cycle with the embedded PCA model (trained
 * untimed first): `ratio_vs_embedded` = Gordo tasks/s / embedded tasks/s. Executor CPU is read from
 * /proc (user + system) just before they stop.
 */
export const gordo: Suite = async (dir, scale) => {
  const suite = 'gordo';
  const models = Math.max(10, Math.round(9_000 * scale));
  const anchorMs = Math.floor((Date.now() - 5 * 60_000) / 1000) * 1000;
  const window = timeRange(anchorMs - INTERVAL_MS, anchorMs);
  const training = timeRange(window.fromMs - INTERVAL_MS, window.fromMs);
  const url = `sqlite:${join(dir, 'gordo.sqlite')}`;
  const server = await GordoServer.start({ flavour: '6.x' });
  const db = await openDatabase({ url, busyTimeoutMs: 30_000, logQueries: false }, withBuiltInTables);
  try {
    await runMigrations(db);
    const definitions = await seed(db, suite, models, training, window);
    const revision = server.deploy(
      PROJECT,
      definitions.map((d) => gordoSpec(d, training)),
    );
    await precomputeAnswer(server, db, window, definitions[0]!.name);

    const registry = new EmbeddedModelRegistry(db, { models: [] }, silentLogger);
    const summaries = await registry.saveModels(definitions);
    const predictor = new PcaModelExecutionProvider(
      db,
      new EmbeddedSensorStore(db, silentLogger),
      parseEmbeddedPredictorConfig({}, 'predictor'),
      silentLogger,
    );
    for (const s of summaries) await predictor.register(await registry.describeModel(s.project, s.name)); // untimed, as in a warm plant

    const embedded = await cycle(
      db,
      writeConfig(dir, 'embedded', url, anchorMs, { model_info: 'type: embedded', predictor: 'type: embedded' }),
      models,
    );
    await resetRun(db);
    const answered = server.predictionsAnswered;
    const gordoRun = await cycle(
      db,
      writeConfig(dir, 'gordo', url, anchorMs, {
        model_info: `type: gordo, url: "${server.url}", projects: [${PROJECT}]`,
        predictor: `type: gordo, url: "${server.url}", timeout: 30s`,
      }),
      models,
    );
    const stored = Number(
      (await db.dataSource.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM prediction WHERE revision = ?', [revision]))[0]!.n,
    );

    const sizes = {
      models,
      tags_per_model: TAGS,
      rows_per_tag: INTERVAL_MS / RESOLUTION_MS,
      rows_sent: INTERVAL_MS / RESOLUTION_MS + 5,
      executors: 2,
      scale,
    };
    const tasksPerSecond = models / gordoRun.seconds;
    const embeddedTasksPerSecond = models / embedded.seconds;
    const embeddedWords = 'the same cycle with the embedded PCA model, same data, same run';
    report({
      suite,
      metric: 'tasks_per_second',
      value: tasksPerSecond,
      unit: 'tasks/s',
      baseline: embeddedWords,
      baseline_value: embeddedTasksPerSecond,
      timed: 'spawn of scheduler + 2 executors until every window finished',
      cycle_seconds: gordoRun.seconds,
      ...sizes,
    });
    report({
      suite,
      metric: 'client_cpu_ms_per_task',
      value: gordoRun.executorCpuMs / models,
      unit: 'ms',
      baseline: embeddedWords,
      baseline_value: embedded.executorCpuMs / models,
      measured: 'user+system CPU of both executor processes / tasks',
      answer_bytes: Buffer.byteLength(server.precomputedAnswer ?? ''),
    });
    report({
      suite,
      metric: 'ratio_vs_embedded',
      value: tasksPerSecond / embeddedTasksPerSecond,
      unit: 'ratio',
      baseline: embeddedWords,
      baseline_value: embeddedTasksPerSecond,
    });
    report({ suite, metric: 'prediction_requests', value: server.predictionsAnswered - answered, unit: 'requests', expected: models });
    report({ suite, metric: 'prediction_rows', value: stored, unit: 'rows', expected: models * (INTERVAL_MS / RESOLUTION_MS) });
    for (const [name, mb] of Object.entries(gordoRun.peakRssMb))
      report({ suite, metric: 'executor_peak_rss_mb', value: mb, unit: 'MB', process: name });
  } finally {
    await db.close();
    await server.close();
  }
};

/** Every model's 8 sensors over the training range and the window (plus the 5 rows Gordo reads before it). */
async function seed(db: Database, suite: string, models: number, training: TimeRange, window: TimeRange): Promise<ModelDefinition[]> {
  const started = performance.now();
  const layout = demoPlantLayout({
    assets: models,
    tagsPerAsset: TAGS,
    resolutionMs: RESOLUTION_MS,
    historyMs: 0,
    trainingMs: 0,
    faultsPerAsset: 0,
    seed: 7,
    project: PROJECT,
  });
  const store = new EmbeddedSensorStore(db, silentLogger);
  await store.upsertSensors(layout.assets.flatMap((asset) => asset.tags));
  const range = timeRange(training.fromMs, window.toMs);
  const definitions: ModelDefinition[] = [];
  for (let first = 0; first < layout.assets.length; first += 250) {
    const batch = layout.assets.slice(first, first + 250).flatMap((asset) => {
      const series = assetSeries(layout, asset, range);
      definitions.push({
        project: PROJECT,
        name: `${asset.name}-anomaly`,
        inputTags: asset.tags.map((t) => t.name),
        resolutionMs: RESOLUTION_MS,
        trainingRange: training,
      });
      return asset.tags.map((tag, i) => ({ sensor: tag.name, timesMs: series.timesMs, values: series.columns[i]! }));
    });
    await store.insertPoints(batch);
  }
  process.stderr.write(`${suite}: seeded ${models} models x ${TAGS} tags in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return definitions;
}

function gordoSpec(definition: ModelDefinition, training: TimeRange): GordoModelSpec {
  return {
    name: definition.name,
    tags: [...definition.inputTags],
    resolution: '10S',
    aggregateThreshold: 1,
    trainStart: new Date(training.fromMs).toISOString(),
    trainEnd: new Date(training.toMs).toISOString(),
  };
}

/** Runs one real request (untimed) and keeps the server's answer as the answer to every later request. */
async function precomputeAnswer(server: GordoServer, db: Database, window: TimeRange, model: string): Promise<void> {
  const client = new GordoClient({ baseUrl: server.url, timeoutMs: 30_000, maxSockets: 2 });
  const sensors = new EmbeddedSensorStore(db, silentLogger);
  const description = await new GordoModelInformationProvider(client, { projects: [PROJECT] }, silentLogger).describeModel(PROJECT, model);
  const predictor = new GordoModelExecutionProvider(
    client,
    sensors,
    { batchRows: 10_000, parallelism: 1, metadataCacheSize: 10 },
    silentLogger,
  );
  const frame = await sensors.getData(
    description.inputTags,
    { fromMs: window.fromMs - 5 * RESOLUTION_MS, toMs: window.toMs },
    RESOLUTION_MS,
  );
  const set = await predictor.execute(description, frame, window);
  if (set.rows.length !== INTERVAL_MS / RESOLUTION_MS) throw new Error(`precomputing the answer predicted ${set.rows.length} rows`);
  server.precomputedAnswer = server.lastAnswer;
}

function writeConfig(
  dir: string,
  name: string,
  url: string,
  anchorMs: number,
  sections: { model_info: string; predictor: string },
): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    [
      `database: { url: ${JSON.stringify(url)}, busy_timeout: 30000 }`,
      `scheduler: { start_time: "${new Date(anchorMs).toISOString()}", interval: 30m, delay: 0, catch_up_horizon: 0, run_at_once: true, batch_size: 1000 }`,
      'executor: { concurrency: 8 }',
      'task_queue: { type: embedded, poll_interval: 50ms }',
      `model_info: { ${sections.model_info} }`,
      `predictor: { ${sections.predictor} }`,
      'logging: { level: warn, format: json }',
    ].join('\n'),
  );
  return path;
}

/** Forgets the previous cycle's windows, runs and predictions, so the next cycle does the same work afresh. */
async function resetRun(db: Database): Promise<void> {
  for (const table of ['prediction', 'task_run', 'prediction_window', 'queue_message', 'scheduler_state'])
    await db.dataSource.query(`DELETE FROM ${table}`);
  await db.dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
}

interface CycleRun {
  readonly seconds: number;
  readonly executorCpuMs: number;
  readonly peakRssMb: Record<string, number>;
}

async function cycle(db: Database, configPath: string, models: number): Promise<CycleRun> {
  const started = performance.now();
  const children = new Map<string, ChildProcess>([
    ['scheduler', spawnRole(configPath, ['scheduler'])],
    ['executor-1', spawnRole(configPath, ['executor', '--name', 'executor-1'], executorNodeOptions(executorDefaults))],
    ['executor-2', spawnRole(configPath, ['executor', '--name', 'executor-2'], executorNodeOptions(executorDefaults))],
  ]);
  const deadlineMs = performance.now() + 900_000;
  try {
    for (let finished = 0; finished < models;) {
      for (const [name, child] of children)
        if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} during the cycle`);
      if (performance.now() > deadlineMs) throw new Error(`cycle did not finish within 900 s: ${finished} of ${models} windows`);
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
    const states = await db.dataSource.query<{ state: string; n: number }[]>(
      'SELECT state, COUNT(*) AS n FROM prediction_window GROUP BY state',
    );
    if (states.some((s) => s.state !== 'succeeded')) throw new Error(`not every window succeeded: ${JSON.stringify(states)}`);
    const executors = [...children].filter(([name]) => name.startsWith('executor'));
    return {
      seconds,
      executorCpuMs: executors.reduce((sum, [, child]) => sum + cpuMsOf(child.pid!), 0),
      peakRssMb: Object.fromEntries(executors.map(([name, child]) => [name, peakRssMbOf(child.pid!)])),
    };
  } finally {
    await Promise.all([...children.values()].map(stop));
  }
}

function spawnRole(configPath: string, args: string[], nodeOptions: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeOptions, CLI, ...args, '--config', configPath], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** utime + stime of a live process from /proc/<pid>/stat, in ms (clock ticks of 10 ms, Linux's USER_HZ). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function peakRssMbOf(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return match ? Number(match[1]) / 1024 : NaN;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(20_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
