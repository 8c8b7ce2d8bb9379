import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEventHubConfig } from '../../providers/eventhub/config.js';
import { DatabaseCheckpointStore } from '../../providers/eventhub/DatabaseCheckpointStore.js';
import { DeadLetterLog } from '../../providers/eventhub/DeadLetterLog.js';
import { EventHubsTaskQueue } from '../../providers/eventhub/EventHubsTaskQueue.js';
import type { RedeliveryTimers } from '../../providers/eventhub/RedeliveryBuffer.js';
import { openDatabase, type OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { runMigrations } from '../../src/persistence/migrate.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { EventHubServer } from '../servers/eventhub/EventHubServer.js';
import { describeTaskQueueContract } from './TaskQueueContract.js';

// The TaskQueue contract against the Event Hubs queue: the real @azure/event-hubs SDK on the loopback
// Event Hubs server (test/servers/eventhub), checkpoints and dead letters in SQLite, one fresh hub per test.
// A hub keeps no per-id state and has no per-message leases, so the suite runs with those flags off.

/** Redelivery timers on a clock the suite moves (advanceClock), so backoffs of minutes take no time. */
class ManualTimers implements RedeliveryTimers {
  private now = 0;
  private nextId = 0;
  private readonly pending = new Map<number, { dueMs: number; run: () => void }>();

  setTimeout(run: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { dueMs: this.now + delayMs, run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  advance(ms: number): void {
    this.now += ms;
    const due = [...this.pending].filter(([, t]) => t.dueMs <= this.now).sort(([, a], [, b]) => a.dueMs - b.dueMs);
    for (const [id, timer] of due) {
      this.pending.delete(id);
      timer.run();
    }
  }
}

const HUBS = 40;

describe('Event Hubs queue on the loopback hub (protocol)', function () {
  this.timeout(30_000);
  let shared: Promise<{ server: EventHubServer; db: Database; dir: string }> | undefined;
  let hubCount = 0;

  /** One server and database for the file, made by the first test (the contract makes its subjects per test). */
  function setUp() {
    shared ??= (async () => {
      const server = await EventHubServer.start({
        hubs: Object.fromEntries(Array.from({ length: HUBS }, (_, i) => [`contract-${i}`, { partitions: 2 }])),
      });
      const dir = mkdtempSync(join(tmpdir(), 'latigo-eventhub-contract-'));
      const db = await openDatabase({ url: `sqlite:${join(dir, 'latigo.sqlite')}`, busyTimeoutMs: 5_000 }, withBuiltInTables);
      await runMigrations(db);
      return { server, db, dir };
    })();
    return shared;
  }

  after(async () => {
    if (!shared) return;
    const { server, db, dir } = await shared;
    await db.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describeTaskQueueContract('Event Hubs queue on the loopback hub', async () => {
    const { server, db } = await setUp();
    if (hubCount >= HUBS) throw new Error(`the loopback server has ${HUBS} hubs for this file; the suite needs more`);
    const hub = `contract-${hubCount++}`;
    const config = parseEventHubConfig(
      {
        connection_string: server.connectionString(hub),
        max_wait_time: 100,
        max_batch_size: 50,
        retry: { maximum_attempts: 3, initial_interval: '5s', maximum_interval: '1m' },
        load_balancing: { strategy: 'greedy', update_interval: 200, ownership_expiration: 3_000 },
        connection_retry: { maximum_attempts: 3, initial_interval: 100 },
        operation_timeout: 3_000,
      },
      'task_queue',
    );
    const timers = new ManualTimers();
    const queue = await EventHubsTaskQueue.create({
      config,
      identifier: `contract-${hub}`,
      log: silentLogger,
      timers,
      checkpointStore: new DatabaseCheckpointStore(db),
      deadLetters: new DeadLetterLog(db),
    });
    return {
      queue,
      // No per-message visibility timeout: any value holds, as nothing is redelivered when it passes.
      settings: {
        visibilityTimeoutMs: 60_000,
        maxAttempts: config.retry.maximumAttempts,
        maxRetryBackoffMs: config.retry.maximumIntervalMs,
      },
      advanceClock: (ms: number) => timers.advance(ms),
      deduplicatesById: false,
      reportsExhaustedLeases: false,
      leasesExpire: false,
      async untilReceivable() {
        await queue.receive({ maxMessages: 0 }); // subscribes: the partitions are claimed and read from now on
        const deadline = Date.now() + 20_000;
        while (queue.stats.received < queue.stats.sent) {
          if (Date.now() > deadline) throw new Error(`received ${queue.stats.received} of ${queue.stats.sent} events sent`);
          await sleep(10);
        }
      },
      cleanup: () => queue.close(),
    };
  });
});
