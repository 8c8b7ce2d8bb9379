import { withBuiltInTables } from '../test/fixtures/builtInMigrations.js';
import type { CheckpointStore } from '@azure/event-hubs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { parseEmbeddedQueueConfig } from '../providers/database-queue/config.js';
import { DatabaseTaskQueue } from '../providers/database-queue/DatabaseTaskQueue.js';
import { parseEventHubConfig } from '../providers/eventhub/config.js';
import { DatabaseCheckpointStore } from '../providers/eventhub/DatabaseCheckpointStore.js';
import { DeadLetterLog } from '../providers/eventhub/DeadLetterLog.js';
import { EventHubsTaskQueue } from '../providers/eventhub/EventHubsTaskQueue.js';
import type { OutgoingMessage, TaskQueue } from '../src/contracts/TaskQueue.js';
import { newTask } from '../src/domain/Task.js';
import { openDatabase, type OpenDatabase as Database } from '../src/persistence/dataSource.js';
import { runMigrations } from '../src/persistence/migrate.js';
import { silentLogger } from '../src/runtime/logger.js';
import { toMessage } from '../src/scheduler/WindowDispatcher.js';
import { EventHubServer } from '../test/servers/eventhub/EventHubServer.js';
import { withThrowawayDatabase } from './postgresServer.js';
import { median, percentile, report } from './report.js';
import type { Suite } from './suite.js';

const SUITE = 'queue-eventhub';
const TASKS = 5_000;
const PARTITIONS = 4;
const MODELS = 500;
const RECEIVE_BATCH = 100;
/** Measured runs, alternating so neither queue always goes first or warm; medians are reported. */
const ORDER = ['eventhub', 'database', 'database', 'eventhub', 'eventhub', 'database'] as const;
const STORE_CALLS = 500;
const RUN_TIMEOUT_MS = 120_000;

type QueueName = (typeof ORDER)[number];
interface Run {
  sendSeconds: number;
  endToEndSeconds: number;
}

/**
 * The Event Hubs task queue against the loopback hub (test/servers/eventhub: real SDK, real AMQP over
 * 127.0.0.1) and, in the same run, the embedded database queue on SQLite, both with two consumers in this
 * process: the scheduler's send (batched) of 5,000 tasks over 500 models, then receive in batches of 100
 * and ack each, checkpointing as the executor does. Timed: from the first send call until the last ack;
 * for Event Hubs the two consumers have attached and balanced the 4 partitions before the clock starts.
 * Then the checkpoint store's updateCheckpoint and claimOwnership (renewal with etag) latencies, one call
 * at a time, on SQLite and on PostgreSQL.
 */
export const queueEventhub: Suite = async (dir, scale, options) => {
  const tasks = Math.max(500, Math.round(TASKS * scale));
  const messages = makeMessages(tasks);
  const server = await EventHubServer.start({
    hubs: Object.fromEntries(Array.from({ length: ORDER.length + 2 }, (_, i) => [`bench-${i}`, { partitions: PARTITIONS }])),
  });
  const db = await openDatabase({ url: `sqlite:${join(dir, 'bench.sqlite')}`, busyTimeoutMs: 30_000 }, withBuiltInTables);
  try {
    await runMigrations(db);
    const runs: Record<QueueName, Run[]> = { eventhub: [], database: [] };
    let hub = 0;
    const runOne = (name: QueueName, work: readonly OutgoingMessage[]) =>
      name === 'eventhub' ? eventHubRun(server, `bench-${hub++}`, db, work) : databaseRun(db, work);
    await runOne('eventhub', messages.slice(0, 500));
    await runOne('database', messages.slice(0, 500));
    for (const name of ORDER) {
      const run = await runOne(name, messages);
      runs[name].push(run);
      process.stderr.write(
        `${SUITE}: ${name.padEnd(8)} ${tasks} tasks: sent in ${run.sendSeconds.toFixed(3)} s, end to end ${run.endToEndSeconds.toFixed(3)} s\n`,
      );
    }
    const hubSend = median(runs.eventhub.map((r) => r.sendSeconds));
    const hubE2e = median(runs.eventhub.map((r) => r.endToEndSeconds));
    const dbSend = median(runs.database.map((r) => r.sendSeconds));
    const dbE2e = median(runs.database.map((r) => r.endToEndSeconds));
    const sizes = { tasks, partitions: PARTITIONS, consumers: 2, models: MODELS, runs: runs.eventhub.length, scale };
    report({
      suite: SUITE,
      metric: 'send_tasks_per_second',
      value: tasks / hubSend,
      unit: 'tasks/s',
      baseline: 'database queue (SQLite) send, same run',
      baseline_value: tasks / dbSend,
      ...sizes,
    });
    report({
      suite: SUITE,
      metric: 'tasks_per_second',
      value: tasks / hubE2e,
      unit: 'tasks/s',
      baseline: 'database queue (SQLite), 2 consumers, same run',
      baseline_value: tasks / dbE2e,
      timed: 'first send to last ack, 2 consumers, partitions balanced beforehand',
      ...sizes,
    });
    report({
      suite: SUITE,
      metric: 'ratio_vs_database_queue',
      value: dbE2e / hubE2e,
      unit: 'ratio',
      baseline: 'database queue (SQLite) end to end',
      ...sizes,
    });
    await storeLatencies('sqlite', new DatabaseCheckpointStore(db));
  } finally {
    await db.close();
    await server.stop();
  }
  await withThrowawayDatabase('eventhub', options.keep, async (database) => {
    const pg = await openDatabase({ url: database.url, busyTimeoutMs: 30_000 }, withBuiltInTables);
    try {
      await runMigrations(pg);
      await storeLatencies('postgres', new DatabaseCheckpointStore(pg));
    } finally {
      await pg.close();
    }
  });
};

async function eventHubRun(server: EventHubServer, hub: string, db: Database, messages: readonly OutgoingMessage[]): Promise<Run> {
  const config = parseEventHubConfig(
    {
      connection_string: server.connectionString(hub),
      max_batch_size: RECEIVE_BATCH,
      max_wait_time: 100,
      max_unsettled_per_partition: 500,
      load_balancing: { strategy: 'greedy', update_interval: 200, ownership_expiration: 2_000 },
      connection_retry: { maximum_attempts: 4, initial_interval: 200 },
      operation_timeout: 10_000,
    },
    'task_queue',
  );
  const make = (identifier: string) =>
    EventHubsTaskQueue.create({
      config,
      identifier,
      log: silentLogger,
      checkpointStore: new DatabaseCheckpointStore(db),
      deadLetters: new DeadLetterLog(db),
    });
  const sender = await make('scheduler');
  const consumers = [await make('executor-1'), await make('executor-2')];
  try {
    await Promise.all(consumers.map((c) => c.receive({ maxMessages: 1, waitMs: 0 })));
    await until(() => consumers.every((c) => c.stats.partitionsOwned === PARTITIONS / 2), 'balanced partitions');
    return await timedRun(sender, consumers, messages);
  } finally {
    await Promise.all([sender, ...consumers].map((q) => q.close()));
  }
}

async function databaseRun(db: Database, messages: readonly OutgoingMessage[]): Promise<Run> {
  const config = parseEmbeddedQueueConfig({ poll_interval: 25 }, 'task_queue');
  const make = (owner: string) => new DatabaseTaskQueue(db, config, silentLogger, { owner, clock: Date.now });
  const queues = [make('scheduler'), make('executor-1'), make('executor-2')];
  try {
    return await timedRun(queues[0]!, queues.slice(1), messages);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

/** Sends in scheduler-sized batches while the consumers receive and ack; resolves when every task was acked. */
async function timedRun(sender: TaskQueue, consumers: readonly TaskQueue[], messages: readonly OutgoingMessage[]): Promise<Run> {
  let acked = 0;
  let sendSeconds = 0;
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  const t0 = performance.now();
  const consume = async (queue: TaskQueue) => {
    while (acked < messages.length) {
      if (Date.now() > deadline) throw new Error(`${SUITE}: only ${acked} of ${messages.length} tasks acked in time`);
      const received = await queue.receive({ maxMessages: RECEIVE_BATCH, waitMs: 100 });
      await Promise.all(received.map((m) => queue.ack(m)));
      acked += received.length;
    }
  };
  const send = async () => {
    for (let i = 0; i < messages.length; i += 1_000) await sender.send(messages.slice(i, i + 1_000));
    sendSeconds = (performance.now() - t0) / 1000;
  };
  await Promise.all([send(), ...consumers.map(consume)]);
  return { sendSeconds, endToEndSeconds: (performance.now() - t0) / 1000 };
}

/** updateCheckpoint and claimOwnership (a renewal with the current etag), one call at a time. */
async function storeLatencies(database: 'sqlite' | 'postgres', store: CheckpointStore): Promise<void> {
  const ns = 'bench.servicebus.windows.net';
  const updates: number[] = [];
  const claims: number[] = [];
  let [owned] = await store.claimOwnership([
    { fullyQualifiedNamespace: ns, eventHubName: `latency-${database}`, consumerGroup: '$Default', partitionId: '0', ownerId: 'bench' },
  ]);
  for (let i = 0; i < STORE_CALLS; i++) {
    let t = performance.now();
    await store.updateCheckpoint({
      fullyQualifiedNamespace: ns,
      eventHubName: `latency-${database}`,
      consumerGroup: '$Default',
      partitionId: String(i % 4),
      sequenceNumber: i,
      offset: String(i * 200),
    });
    updates.push(performance.now() - t);
    t = performance.now();
    [owned] = await store.claimOwnership([owned!]);
    claims.push(performance.now() - t);
    if (!owned) throw new Error(`${SUITE}: a renewal with the current etag was refused`);
  }
  for (const [metric, values] of [
    ['checkpoint_update', updates],
    ['claim_ownership', claims],
  ] as const) {
    const sorted = [...values].sort((a, b) => a - b);
    const extra = { database, calls: STORE_CALLS, timed: 'one call at a time' };
    report({ suite: SUITE, metric: `${metric}_p50_ms`, value: percentile(sorted, 50), unit: 'ms', ...extra });
    report({ suite: SUITE, metric: `${metric}_p99_ms`, value: percentile(sorted, 99), unit: 'ms', ...extra });
  }
}

function makeMessages(count: number): OutgoingMessage[] {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: count }, (_, i) => {
    const window = Math.floor(i / MODELS);
    return toMessage(newTask('bench', `model-${i % MODELS}`, 'r1', { fromMs: t0 + window * 600_000, toMs: t0 + (window + 1) * 600_000 }));
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${SUITE}: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
