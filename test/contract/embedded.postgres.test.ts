import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { PcaModelExecutionProvider } from '../../providers/pca/PcaModelExecutionProvider.js';
import { parseEmbeddedQueueConfig } from '../../providers/database-queue/config.js';
import { parseEmbeddedPredictorConfig } from '../../providers/pca/config.js';
import { DatabaseTaskQueue, type DatabaseTaskQueueOptions } from '../../providers/database-queue/DatabaseTaskQueue.js';
import type { ReceivedMessage } from '../../src/contracts/TaskQueue.js';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { SqlClient } from '../../src/persistence/sql/SqlClient.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { RecordingLogger } from '../fakes/RecordingLogger.js';
import { GeneratedSensorData, MODEL, plantFrame, RESOLUTION_MS, TAGS } from '../fixtures/compressorPlant.js';
import { describeEmbeddedProviderContracts, type FreshDatabase } from '../fixtures/embeddedSubjects.js';
import { truncateAllTables, useThrowawayPostgres } from '../integration/helpers/postgres.js';
import { describeModelExecutionContract } from './ModelExecutionContract.js';

// The embedded providers' suites of embedded.test.ts and embeddedModelExecution.test.ts, on PostgreSQL:
// one throwaway database per run (see helpers/postgres.ts), migrated once; each test opens its own
// connection pool on emptied tables. Then what only PostgreSQL does: waking receivers with LISTEN/NOTIFY.

describe('embedded providers on PostgreSQL', () => {
  const server = useThrowawayPostgres();
  const openFresh = async (): Promise<FreshDatabase> => {
    const db = await server.open();
    try {
      await truncateAllTables(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return { db, cleanup: () => db.close() };
  };

  describeEmbeddedProviderContracts('PostgreSQL', openFresh);

  describeModelExecutionContract('embedded PCA model on PostgreSQL', async () => {
    const { db, cleanup } = await openFresh();
    return {
      provider: new PcaModelExecutionProvider(db, new GeneratedSensorData(), parseEmbeddedPredictorConfig({}, 'predictor'), silentLogger),
      model: MODEL,
      normalFrame: (range) => plantFrame(TAGS, range, RESOLUTION_MS),
      cleanup,
    };
  });
  it('DatabaseTaskQueue leases ties in visibility in the order they were sent', async () => {
    const { db, cleanup } = await openFresh();
    try {
      const queue = new DatabaseTaskQueue(db, parseEmbeddedQueueConfig({}, 'task_queue'), silentLogger, { owner: 'o', clock: () => 1_000 });
      await queue.send(['c', 'a', 'b'].map((id) => ({ id, body: id })));
      await queue.send([{ id: '0', body: '0' }]);
      // One at a time: the lease picks in order, but PostgreSQL returns the rows of one lease in any order.
      const leased: string[] = [];
      for (let i = 0; i < 4; i++) leased.push(...(await queue.receive({ maxMessages: 1 })).map((m) => m.id));
      expect(leased).to.deep.equal(['c', 'a', 'b', '0']);
    } finally {
      await cleanup();
    }
  });

  describe('DatabaseTaskQueue waking receivers with LISTEN/NOTIFY', () => {
    let receiverDb: Database;
    let senderDb: Database;
    let log: RecordingLogger;
    beforeEach(async () => {
      receiverDb = (await openFresh()).db;
      senderDb = await server.open();
      log = new RecordingLogger();
    });
    afterEach(async () => {
      await receiverDb.close();
      await senderDb.close();
    });

    /** A queue on the receiver's connections, polling every `pollInterval`. */
    const receiverQueue = (pollInterval: string, options: Partial<DatabaseTaskQueueOptions> = {}) =>
      new DatabaseTaskQueue(receiverDb, parseEmbeddedQueueConfig({ poll_interval: pollInterval }, 'task_queue'), log, {
        owner: 'receiver',
        clock: Date.now,
        ...options,
      });
    /** Another process's queue: its own pool, so its NOTIFY reaches the receiver only through the server. */
    const sendOne = (id: string) =>
      new DatabaseTaskQueue(senderDb, parseEmbeddedQueueConfig({}, 'task_queue'), silentLogger, { owner: 'sender', clock: Date.now }).send([
        { id, body: id },
      ]);
    const listeners = async () =>
      (
        await new SqlClient(senderDb).query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN latigo_tasks'",
          [],
        )
      ).map((r) => r.pid);
    async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
      for (const started = performance.now(); !(await condition()); await sleep(10)) {
        if (performance.now() - started > 5_000) expect.fail(`timed out waiting until ${what}`);
      }
    }
    /** Starts a long receive; resolves once its LISTEN connection is up and it waits again (wrapped, or
     *  this async function would wait for the receive). */
    async function waitingReceive(queue: DatabaseTaskQueue): Promise<{ received: Promise<ReceivedMessage[]> }> {
      const received = queue.receive({ maxMessages: 1, waitMs: 10_000 });
      await until('the receiver listens', async () => (await listeners()).length === 1);
      await sleep(50); // the look it takes once listening
      return { received };
    }

    it('wakes a waiting receive within 100 ms of a send from another process, although it polls every 5 s', async () => {
      const queue = receiverQueue('5s');
      const { received } = await waitingReceive(queue);
      const sentAt = performance.now();
      await sendOne('m1');
      expect((await received).map((m) => m.id)).to.deep.equal(['m1']);
      expect(performance.now() - sentAt).to.be.below(100);
    });

    it('receives by polling while its LISTEN connection is down', async () => {
      const queue = receiverQueue('100ms', { listener: { reconnectMinMs: 60_000 } });
      expect(await queue.receive({ maxMessages: 1, waitMs: 50 })).to.deep.equal([]);
      await until('the receiver listens', async () => (await listeners()).length === 1);
      await new SqlClient(senderDb).query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = ?',
        ['LISTEN latigo_tasks'],
      );
      await until(
        'the listener notices',
        () => log.withMessage('task queue wake-up connection lost; receivers poll until it is back').length === 1,
      );
      const started = performance.now();
      const received = queue.receive({ maxMessages: 1, waitMs: 10_000 });
      await sleep(20);
      await sendOne('m1');
      expect((await received).map((m) => m.id)).to.deep.equal(['m1']);
      expect(performance.now() - started).to.be.below(1_000);
      expect(await listeners()).to.deep.equal([]);
    });

    it('listens again after its LISTEN connection dropped, logging the outage once', async () => {
      const queue = receiverQueue('5s', { listener: { reconnectMinMs: 50 } });
      const { received } = await waitingReceive(queue);
      const [pid] = await listeners();
      await new SqlClient(senderDb).query('SELECT pg_terminate_backend(?)', [pid!]);
      await until('the receiver listens again', async () => (await listeners()).some((p) => p !== pid));
      await sleep(50);
      const sentAt = performance.now();
      await sendOne('m1');
      expect((await received).map((m) => m.id)).to.deep.equal(['m1']);
      expect(performance.now() - sentAt).to.be.below(100);
      expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.message)).to.deep.equal([
        'task queue wake-up connection lost; receivers poll until it is back',
      ]);
      expect(log.withMessage('task queue wake-ups restored: listening for new tasks again')).to.have.length(1);
    });

    it('ends its LISTEN connection on close, as often as asked, and still receives by polling', async () => {
      const queue = receiverQueue('50ms');
      await queue.receive({ maxMessages: 1, waitMs: 50 });
      await until('the receiver listens', async () => (await listeners()).length === 1);
      await queue.close();
      await queue.close();
      await until('the LISTEN connection is gone', async () => (await listeners()).length === 0);
      const received = queue.receive({ maxMessages: 1, waitMs: 5_000 });
      await sendOne('m1');
      expect((await received).map((m) => m.id)).to.deep.equal(['m1']);
      expect(await listeners()).to.deep.equal([]);
    });

    it('ends its LISTEN connection when the database closes', async () => {
      const queue = receiverQueue('50ms');
      await queue.receive({ maxMessages: 1, waitMs: 50 });
      await until('the receiver listens', async () => (await listeners()).length === 1);
      await receiverDb.close();
      await until('the LISTEN connection is gone', async () => (await listeners()).length === 0);
    });
  });
});
