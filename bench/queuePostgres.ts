import { withBuiltInTables } from '../test/fixtures/builtInMigrations.js';
import { performance } from 'node:perf_hooks';
import { newTask } from '../src/domain/Task.js';
import { encodeTask } from '../src/domain/taskCodec.js';
import { timeRange } from '../src/domain/TimeRange.js';
import { openDatabase, type OpenDatabase as Database } from '../src/persistence/dataSource.js';
import { runMigrations } from '../src/persistence/migrate.js';
import { ConsumerGroup, type ConsumerUsage } from './consumerGroup.js';
import { checkpoint, withThrowawayDatabase } from './postgresServer.js';
import {
  openPgBoss,
  openProducer,
  POLL_INTERVAL_MS,
  POOL_SIZE,
  type BenchTask,
  type ContenderName,
  type ContenderTarget,
} from './queueContenders.js';
import { median, report } from './report.js';
import type { Suite } from './suite.js';

const SUITE = 'queue-postgres';
const TASKS = 50_000;
const CONSUMERS = 4;
/** Tasks per enqueue call (the scheduler's default batch_size) and per lease call. */
const SEND_BATCH = 1_000;
const RECEIVE_BATCH = 100;
/** Measured runs per contender, in the order A B B A A B so neither always goes first or warm. */
const ORDER: readonly ContenderName[] = ['latigo', 'pg-boss', 'pg-boss', 'latigo', 'latigo', 'pg-boss'];
const RUN_TIMEOUT_MS = 300_000;

interface Run {
  readonly seconds: number;
  readonly enqueueSeconds: number;
  readonly consumerCpuMs: number;
  readonly consumerPeakRssMb: number;
}

/**
 * Enqueue + lease + ack of 50,000 tasks by latigo's DatabaseTaskQueue and by pg-boss, on one throwaway
 * database of the bench server (latigo's tables in `public`, pg-boss's in `pgboss`). For each run: four
 * consumer processes connect and wait; then this process enqueues the tasks in batches of 1,000, while the
 * consumers lease batches of up to 100 and settle them. Timed: from the first enqueue call until the
 * consumers have reported the last settled task. A warm-up run of each comes first; then three runs
 * each, alternating, and the medians are reported.
 *
 * Fairness: the same tasks (a real ~200-byte task message), batch sizes, process count and pool size on
 * both sides, each through its public API as an application would use it. What differs is the APIs:
 * latigo settles one message per ack call (the 100 acks of a batch run side by side on the pool), pg-boss
 * completes a batch of ids in one statement; an idle latigo receiver wakes on NOTIFY at once, an idle
 * pg-boss consumer polls every 50 ms (as its own work() loop does, at a shorter interval than its 0.5 s
 * minimum), which can cost it up to 50 ms per run, only while no task is ready. pg-boss's maintenance
 * (archiving, expiry) is off, so it does no background work during the runs.
 */
export const queuePostgres: Suite = (_dir, scale, options) =>
  withThrowawayDatabase('queue', options.keep, async (database) => {
    const tasks = Math.max(1_000, Math.round(TASKS * scale));
    const db = await openDatabase({ url: database.url, busyTimeoutMs: 30_000, logQueries: false }, withBuiltInTables);
    try {
      await runMigrations(db);
      const boss = await openPgBoss(database.url, { install: true });
      await boss.stop({ graceful: false, wait: true });
      const work = makeTasks(tasks);
      const runs: Record<ContenderName, Run[]> = { latigo: [], 'pg-boss': [] };
      let round = 0;
      for (const name of ['latigo', 'pg-boss'] as const)
        await runOnce(db, database.url, name, work.slice(0, Math.min(tasks, 5_000)), `warmup_${round++}`);
      for (const name of ORDER) {
        const run = await runOnce(db, database.url, name, work, `run_${round++}`);
        runs[name].push(run);
        process.stderr.write(
          `${SUITE}: ${name.padEnd(7)} ${tasks} tasks in ${run.seconds.toFixed(2)} s (enqueue done after ${run.enqueueSeconds.toFixed(2)} s)\n`,
        );
      }
      reportFigures(runs, tasks, scale);
    } finally {
      await db.close();
    }
  });

/** Same body for both: a real task message (~200 bytes); latigo stores the text, pg-boss the JSON. */
function makeTasks(count: number): BenchTask[] {
  const window = timeRange(1_767_225_600_000, 1_767_227_400_000);
  return Array.from({ length: count }, (_, i) => {
    const task = newTask('bench', `asset-${String(i).padStart(5, '0')}-anomaly`, '1767225600000', window);
    const body = encodeTask(task);
    return { id: task.id, body, data: JSON.parse(body) as object };
  });
}

async function runOnce(db: Database, url: string, name: ContenderName, tasks: readonly BenchTask[], queue: string): Promise<Run> {
  const target: ContenderTarget = { url, queue };
  await prepare(db, url, name, queue);
  const producer = await openProducer(name, target);
  const consumers = await ConsumerGroup.start(name, target, CONSUMERS, RECEIVE_BATCH);
  let usage: ConsumerUsage[] = [];
  try {
    const settled = consumers.whenSettled(tasks.length, RUN_TIMEOUT_MS);
    settled.catch(() => undefined); // awaited below; a failure during enqueue must not go unhandled
    const started = performance.now();
    for (let first = 0; first < tasks.length; first += SEND_BATCH) await producer.send(tasks.slice(first, first + SEND_BATCH));
    const enqueueSeconds = (performance.now() - started) / 1000;
    await settled;
    const seconds = (performance.now() - started) / 1000;
    usage = await consumers.stop();
    if (consumers.settled !== tasks.length) throw new Error(`${name}: ${consumers.settled} tasks settled, expected ${tasks.length}`);
    await verify(db, name, queue, tasks.length);
    return {
      seconds,
      enqueueSeconds,
      consumerCpuMs: usage.reduce((sum, u) => sum + u.cpuMs, 0),
      consumerPeakRssMb: Math.max(...usage.map((u) => u.maxRssMb)),
    };
  } finally {
    if (usage.length === 0) await consumers.stop();
    await producer.close();
  }
}

/** Untimed: an empty queue for each run, fresh statistics, no checkpoint owed from the last run. */
async function prepare(db: Database, url: string, name: ContenderName, queue: string): Promise<void> {
  if (name === 'latigo') {
    await db.dataSource.query('TRUNCATE queue_message');
  } else {
    const boss = await openPgBoss(url);
    await boss.createQueue(queue); // a queue of its own: pg-boss gives each queue its own partition
    await boss.stop({ graceful: false, wait: true });
  }
  await checkpoint(url);
}

/** Untimed: every task settled exactly once, as each queue records it. */
async function verify(db: Database, name: ContenderName, queue: string, expected: number): Promise<void> {
  if (name === 'latigo') {
    const left = Number((await db.dataSource.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM queue_message'))[0]!.n);
    if (left !== 0) throw new Error(`latigo: ${left} messages left in queue_message after every ack`);
    return;
  }
  const [row] = await db.dataSource.query<[{ done: string; total: string }]>(
    "SELECT COUNT(*) FILTER (WHERE state = 'completed') AS done, COUNT(*) AS total FROM pgboss.job WHERE name = $1",
    [queue],
  );
  if (Number(row.done) !== expected || Number(row.total) !== expected) {
    throw new Error(`pg-boss: ${row.done} of ${row.total} jobs completed, expected ${expected}`);
  }
}

function reportFigures(runs: Record<ContenderName, Run[]>, tasks: number, scale: number): void {
  const latigo = median(runs.latigo.map((r) => r.seconds));
  const boss = median(runs['pg-boss'].map((r) => r.seconds));
  const setup = {
    tasks,
    consumers: CONSUMERS,
    consumer_processes: true,
    send_batch: SEND_BATCH,
    receive_batch: RECEIVE_BATCH,
    pool_size: POOL_SIZE,
    idle_poll_ms: POLL_INTERVAL_MS,
    runs: runs.latigo.length,
    scale,
    timed: 'first enqueue call until the consumers reported the last settled task (median of runs)',
  };
  const baseline = 'pg-boss 10 (insert array, fetch batchSize, complete ids) on the same server and database';
  report({
    suite: SUITE,
    metric: 'tasks_per_second',
    value: tasks / latigo,
    unit: 'tasks/s',
    baseline,
    baseline_value: tasks / boss,
    seconds: runs.latigo.map((r) => round2(r.seconds)),
    baseline_seconds: runs['pg-boss'].map((r) => round2(r.seconds)),
    ...setup,
  });
  report({ suite: SUITE, metric: 'ratio_vs_pg_boss', value: boss / latigo, unit: 'ratio', baseline, baseline_value: 1, target: '>=1.0' });
  report({
    suite: SUITE,
    metric: 'enqueue_tasks_per_second',
    value: tasks / median(runs.latigo.map((r) => r.enqueueSeconds)),
    unit: 'tasks/s',
    baseline,
    baseline_value: tasks / median(runs['pg-boss'].map((r) => r.enqueueSeconds)),
    measured: 'producer alone, while the consumers drain',
  });
  report({
    suite: SUITE,
    metric: 'consumer_cpu_ms_per_task',
    value: median(runs.latigo.map((r) => r.consumerCpuMs)) / tasks,
    unit: 'ms',
    baseline,
    baseline_value: median(runs['pg-boss'].map((r) => r.consumerCpuMs)) / tasks,
    measured: 'user+system CPU of the 4 consumer processes from connected to stopped',
  });
  report({
    suite: SUITE,
    metric: 'consumer_peak_rss_mb',
    value: Math.max(...runs.latigo.map((r) => r.consumerPeakRssMb)),
    unit: 'MB',
    baseline,
    baseline_value: Math.max(...runs['pg-boss'].map((r) => r.consumerPeakRssMb)),
  });
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
