import { withBuiltInTables } from '../test/fixtures/builtInMigrations.js';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import { parseEmbeddedQueueConfig } from '../providers/database-queue/config.js';
import { DatabaseTaskQueue } from '../providers/database-queue/DatabaseTaskQueue.js';
import type { OutgoingMessage } from '../src/contracts/TaskQueue.js';
import { openDatabase, type OpenDatabase as Database } from '../src/persistence/dataSource.js';
import { systemClock } from '../src/runtime/clock.js';
import { silentLogger } from '../src/runtime/logger.js';

/**
 * The two queues of the queue-postgres suite behind one small interface, so the producer (the suite's
 * process) and the consumers (queueConsumer.ts processes) drive both the same way: batches in, batches
 * out, each through the queue's own public API.
 */
export type ContenderName = 'latigo' | 'pg-boss';
export const CONTENDERS: readonly ContenderName[] = ['latigo', 'pg-boss'];

/** Connections per process on both sides: latigo's default pool size, set explicitly for pg-boss. */
export const POOL_SIZE = 10;
/** How long an idle consumer waits before looking again, on both sides. */
export const POLL_INTERVAL_MS = 50;

/** One task as both queues carry it: latigo sends `body` (text); pg-boss stores `data` (jsonb). */
export interface BenchTask {
  readonly id: string;
  readonly body: string;
  readonly data: object;
}

export interface Producer {
  /** Enqueues one batch; resolves once it is committed. */
  send(tasks: readonly BenchTask[]): Promise<void>;
  close(): Promise<void>;
}

export interface Consumer {
  /** Leases up to `max` tasks and settles each one; resolves with how many it settled (0 when idle). */
  take(max: number): Promise<number>;
  close(): Promise<void>;
}

export interface ContenderTarget {
  readonly url: string;
  /** The pg-boss queue name (pg-boss keeps each queue in its own table partition). */
  readonly queue: string;
}

const latigoQueueConfig = () => parseEmbeddedQueueConfig({ poll_interval: POLL_INTERVAL_MS }, 'task_queue');

async function openLatigo(url: string, owner: string): Promise<{ db: Database; queue: DatabaseTaskQueue }> {
  const db = await openDatabase({ url, busyTimeoutMs: 30_000, logQueries: false, poolSize: POOL_SIZE }, withBuiltInTables);
  return { db, queue: new DatabaseTaskQueue(db, latigoQueueConfig(), silentLogger, { owner, clock: systemClock }) };
}

/** pg-boss with its background work off (maintenance, cron, migrations): only our calls touch the server. */
export async function openPgBoss(url: string, options: { install?: boolean } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    max: POOL_SIZE,
    application_name: 'latigo-bench-pgboss',
    supervise: false,
    schedule: false,
    migrate: options.install ?? false,
  });
  boss.on('error', (err) => process.stderr.write(`pg-boss: ${err.message}\n`));
  await boss.start();
  return boss;
}

export async function openProducer(name: ContenderName, target: ContenderTarget): Promise<Producer> {
  if (name === 'latigo') {
    const { db, queue } = await openLatigo(target.url, 'bench-producer');
    return {
      async send(tasks) {
        const messages: OutgoingMessage[] = tasks.map((t) => ({ id: t.id, body: t.body }));
        const { sent } = await queue.send(messages);
        if (sent !== tasks.length) throw new Error(`latigo accepted ${sent} of ${tasks.length} messages`);
      },
      close: () => db.close(),
    };
  }
  const boss = await openPgBoss(target.url);
  return {
    async send(tasks) {
      await boss.insert(tasks.map((t) => ({ name: target.queue, data: t.data })));
    },
    close: () => boss.stop({ graceful: false, wait: true }),
  };
}

export async function openConsumer(name: ContenderName, target: ContenderTarget, owner: string): Promise<Consumer> {
  if (name === 'latigo') {
    const { db, queue } = await openLatigo(target.url, owner);
    return {
      async take(max) {
        // receive waits by the queue's own means (polling every POLL_INTERVAL_MS, or a notification).
        const messages = await queue.receive({ maxMessages: max, waitMs: 1_000 });
        // The API settles one message at a time; an executor acks its tasks as each finishes, side by side.
        const results = await Promise.all(messages.map((m) => queue.ack(m)));
        const lost = results.filter((r) => !r.settled).length;
        if (lost > 0) throw new Error(`latigo refused ${lost} acks (lease lost)`);
        return messages.length;
      },
      async close() {
        await queue.close();
        await db.close();
      },
    };
  }
  const boss = await openPgBoss(target.url);
  return {
    async take(max) {
      const jobs = await boss.fetch(target.queue, { batchSize: max });
      if (jobs.length === 0) {
        await sleep(POLL_INTERVAL_MS); // what pg-boss's own work() loop does when idle, at our interval
        return 0;
      }
      const { affected } = (await boss.complete(
        target.queue,
        jobs.map((j) => j.id),
      )) as unknown as { affected: number };
      if (affected !== jobs.length) throw new Error(`pg-boss completed ${affected} of ${jobs.length} jobs`);
      return jobs.length;
    },
    close: () => boss.stop({ graceful: false, wait: true }),
  };
}
