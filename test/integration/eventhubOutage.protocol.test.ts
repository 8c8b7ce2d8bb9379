import { withBuiltInTables } from '../fixtures/builtInMigrations.js';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventHubConfig } from '../../providers/eventhub/config.js';
import { DatabaseCheckpointStore } from '../../providers/eventhub/DatabaseCheckpointStore.js';
import { DeadLetterLog } from '../../providers/eventhub/DeadLetterLog.js';
import { EventHubsTaskQueue, type QueueCallObserver } from '../../providers/eventhub/EventHubsTaskQueue.js';
import { newTask } from '../../src/domain/Task.js';
import { openDatabase, type OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { runMigrations } from '../../src/persistence/migrate.js';
import { toMessage } from '../../src/scheduler/WindowDispatcher.js';
import { RecordingLogger } from '../fakes/RecordingLogger.js';
import { EventHubServer } from '../servers/eventhub/EventHubServer.js';
import { waitFor } from './helpers/sqlite.js';

// A hub outage in the middle of consumption: the SDK's retries (configured from task_queue.connection_retry) give up,
// the errors reach the log and the metrics observer, and once the hub is back the partitions are read again
// from their checkpoints. The SDK alone may take 30 to 90 s to recover (its load-balancing loop sleeps 30 s
// after a failed management read whatever the retry options say); the queue reconnects after an ownership
// expiry plus two loops (about 4 s here). The budget still allows for the SDK's own pauses.

const PARTITIONS = 4;
const MAX_UNFINISHED = 5;

describe('Event Hubs queue through a hub outage (protocol)', function () {
  this.timeout(180_000);
  let server: EventHubServer;
  let dir: string;
  let db: Database;
  const queues: EventHubsTaskQueue[] = [];

  before(async () => {
    server = await EventHubServer.start({ hubs: { tasks: { partitions: PARTITIONS } } });
    dir = mkdtempSync(join(tmpdir(), 'latigo-eventhub-outage-'));
    db = await openDatabase({ url: `sqlite:${join(dir, 'latigo.sqlite')}`, busyTimeoutMs: 5_000 }, withBuiltInTables);
    await runMigrations(db);
  });
  after(async () => {
    await Promise.all(queues.map((q) => q.close()));
    await db?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs and counts the receive errors, reconnects, and reads on from the checkpoints: every task acked, redeliveries bounded', async () => {
    const config = parseEventHubConfig(
      {
        connection_string: server.connectionString('tasks'),
        max_wait_time: 200,
        max_batch_size: MAX_UNFINISHED,
        max_unsettled_per_partition: MAX_UNFINISHED,
        load_balancing: { strategy: 'greedy', update_interval: 300, ownership_expiration: 3_000 },
        connection_retry: { maximum_attempts: 3, initial_interval: 200 },
        operation_timeout: 2_000,
      },
      'task_queue',
    );
    const log = new RecordingLogger();
    const errorClasses: string[] = [];
    const observer: QueueCallObserver = {
      providerCall: (e) => {
        if (e.operation === 'receive' && e.errorClass) errorClasses.push(e.errorClass);
      },
    };
    const make = async (identifier: string) => {
      const queue = await EventHubsTaskQueue.create({
        config,
        identifier,
        log: log.child({ identifier }),
        observer,
        checkpointStore: new DatabaseCheckpointStore(db),
        deadLetters: new DeadLetterLog(db),
      });
      queues.push(queue);
      return queue;
    };
    const sender = await make('scheduler');
    const executor = await make('executor-1');
    const tasks = Array.from({ length: 120 }, (_, i) =>
      newTask('plant', `model-${i % 12}`, 'r1', { fromMs: i * 3_600_000, toMs: (i + 1) * 3_600_000 }),
    );
    await sender.send(tasks.map(toMessage));

    const acked = new Map<string, number>();
    let deliveries = 0;
    let stop = false;
    const consuming = (async () => {
      while (!stop) {
        for (const m of await executor.receive({ maxMessages: 10, waitMs: 100 })) {
          deliveries++;
          const result = await executor.ack(m).catch(() => ({ settled: false }));
          if (result.settled) acked.set(m.id, (acked.get(m.id) ?? 0) + 1);
        }
      }
    })();
    try {
      await waitFor(() => acked.size >= 30, { timeoutMs: 20_000, describe: () => `30 acks before the outage (${acked.size})` });
      // Longer than the watchdog threshold (ownership expiry + two loops = 3.6 s), so the SDK cannot recover on its own
      // before the watchdog acts, however loaded the machine is.
      await server.outage(6_000);
      await waitFor(() => acked.size === tasks.length, {
        timeoutMs: 120_000,
        intervalMs: 200,
        describe: () => `every task acked after the outage (${acked.size})`,
      });
    } finally {
      stop = true;
      await consuming;
    }
    expect(executor.stats.receiveErrors, 'receive errors counted').to.be.greaterThan(0);
    expect(errorClasses, 'receive errors reported to the metrics observer').to.include('transient');
    expect(log.withMessage('event hub receive error').length).to.be.greaterThan(0);
    expect(log.withMessage('reading no partition since receive errors; reconnecting to the event hub')).to.have.length.at.least(1);
    // Nothing lost; what was redelivered is at most what each partition had unfinished behind its checkpoint.
    expect([...acked.keys()].sort()).to.deep.equal(tasks.map((t) => t.id).sort());
    expect(deliveries - tasks.length).to.be.at.most(PARTITIONS * MAX_UNFINISHED);
  });
});
