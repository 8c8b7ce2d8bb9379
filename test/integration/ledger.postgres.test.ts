import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { parseEmbeddedQueueConfig } from '../../providers/database-queue/config.js';
import { DatabaseTaskQueue } from '../../providers/database-queue/DatabaseTaskQueue.js';
import { toProviderError } from '../../src/persistence/sql/errors.js';
import { newTask } from '../../src/domain/Task.js';
import { WindowLedger } from '../../src/ledger/WindowLedger.js';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { SqlClient } from '../../src/persistence/sql/SqlClient.js';
import { ProviderError } from '../../src/runtime/errors.js';
import { RecordingLogger } from '../fakes/RecordingLogger.js';
import { describeWindowLedger } from '../unit/ledger/windowLedgerSuite.js';
import { truncateAllTables, useThrowawayPostgres } from './helpers/postgres.js';

// The window ledger's suite (test/unit/ledger) on PostgreSQL, and what a server restart does to the ledger
// and the database task queue of a process: one throwaway database, emptied before each test.

describe('window ledger on PostgreSQL', () => {
  const server = useThrowawayPostgres();
  const openFresh = async () => {
    const db = await server.open();
    try {
      await truncateAllTables(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return { db, cleanup: () => db.close() };
  };

  describeWindowLedger('PostgreSQL', openFresh);

  describe('after the server ended every connection (as a restart does)', () => {
    let db: Database;
    let admin: pg.Client;
    beforeEach(async () => {
      db = (await openFresh()).db;
      // Outside the process's pool, and spared by the termination below.
      admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
    });
    afterEach(async () => {
      await db.close();
      await admin.end();
    });

    const otherBackends = async () =>
      (
        await admin.query<{ pid: number; query: string }>(
          'SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        )
      ).rows;
    async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
      for (const started = performance.now(); !(await condition()); await sleep(10)) {
        if (performance.now() - started > 5_000) expect.fail(`timed out waiting until ${what}`);
      }
    }

    it('the ledger and the task queue work again on new connections; calls in between fail as transient errors', async () => {
      const log = new RecordingLogger();
      const queue = new DatabaseTaskQueue(db, parseEmbeddedQueueConfig({ poll_interval: '5s' }, 'task_queue'), log, {
        owner: 'executor-1',
        clock: Date.now,
        listener: { reconnectMinMs: 50 },
      });
      const ledger = new WindowLedger(db, Date.now);
      const task = newTask('p', 'm', 'r1', { fromMs: 0, toMs: 600_000 });
      // Several pooled connections, and the LISTEN connection of a waiting receive.
      await Promise.all([
        ledger.recordNew([task], 'schedule'),
        ledger.counts(),
        queue.depth(),
        queue.receive({ maxMessages: 1, waitMs: 50 }),
      ]);
      await until('the queue listens', async () => (await otherBackends()).some((b) => b.query === 'LISTEN latigo_tasks'));
      const before = (await otherBackends()).map((b) => b.pid);
      const inFlight = new SqlClient(db).query('SELECT pg_sleep(5)', []).then(
        () => undefined,
        (err: unknown) => err,
      );
      await until('the statement runs', async () => (await otherBackends()).some((b) => b.query === 'SELECT pg_sleep(5)'));

      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      await until('every connection is gone', async () => (await otherBackends()).length === 0);
      expect(toProviderError(await inFlight, 'query')).to.include({ retryable: true });

      const failures: ProviderError[] = [];
      /** Retries `call` as the executor would; every failure must be a transient ProviderError. */
      async function eventually<T>(call: () => Promise<T>): Promise<T> {
        for (let attempt = 1; ; attempt++) {
          try {
            return await call();
          } catch (err) {
            const classified = toProviderError(err, 'call'); // what the ledger's caller makes of it; the queue's errors are classified already
            expect(classified, `failure ${messageOf(err)}`)
              .to.be.instanceOf(ProviderError)
              .and.include({ retryable: true });
            failures.push(classified as ProviderError);
            if (attempt >= 5) throw err;
            await sleep(100);
          }
        }
      }
      expect(await eventually(() => queue.send([{ id: task.id, body: 'task' }]))).to.deep.equal({ sent: 1, duplicates: 0 });
      const [message] = await eventually(() => queue.receive({ maxMessages: 1 }));
      expect(message).to.include({ id: task.id, attempt: 1 });
      expect(await eventually(() => ledger.begin(task, 'executor-1'))).to.deep.equal({ proceed: true });
      await eventually(() =>
        ledger.finish(task, { state: 'succeeded', rowsWritten: 1 }, { executor: 'executor-1', startedAt: Date.now() }),
      );
      expect(await eventually(() => queue.ack(message!))).to.deep.equal({ settled: true });
      expect(await ledger.get(task.id)).to.include({ state: 'succeeded', attempts: 1 });
      // A broken connection fails one call at most: it is discarded, never handed out again.
      expect(failures.length, 'failed calls in between').to.be.at.most(before.length);

      // The LISTEN connection came back too: a send wakes a waiting receive long before its 5 s poll.
      await until(
        'the queue listens again',
        () => log.withMessage('task queue wake-ups restored: listening for new tasks again').length === 1,
      );
      const waiting = queue.receive({ maxMessages: 1, waitMs: 10_000 });
      await sleep(50);
      const sentAt = performance.now();
      await queue.send([{ id: 'next', body: 'next' }]);
      expect((await waiting).map((m) => m.id)).to.deep.equal(['next']);
      expect(performance.now() - sentAt).to.be.below(100);
      expect((await otherBackends()).map((b) => b.pid).filter((pid) => before.includes(pid))).to.deep.equal([]);
    });
  });
});

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
