import { expect } from 'chai';
import pg from 'pg';
import { resumeAfterOutages } from '../../src/cli/resumeAfterOutages.js';
import { WindowLedger } from '../../src/ledger/WindowLedger.js';
import { Scheduler } from '../../src/scheduler/Scheduler.js';
import { InMemoryModelCatalog } from '../fakes/InMemoryModelCatalog.js';
import { InMemoryTaskQueue } from '../fakes/InMemoryTaskQueue.js';
import { RecordingLogger } from '../fakes/RecordingLogger.js';
import { HOUR, at, models, schedulerConfig } from '../unit/scheduler/schedulerHarness.js';
import { useThrowawayPostgres } from './helpers/postgres.js';

// Issue 14: `latigo backfill` used to exit 1 when PostgreSQL restarted under it. Its backfill now resumes
// after transient failures (resumeAfterOutages, as backfillCommand runs it): here every connection of the
// process is ended mid-way, as a server restart does, and the backfill still queues each window once.
describe('backfill through a PostgreSQL restart (all connections ended mid-way)', function () {
  this.timeout(180_000);
  const server = useThrowawayPostgres();

  it('resumes after the outage and queues every window exactly once', async () => {
    const db = await server.open();
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      const now = at('2026-01-03T00:00:00Z');
      const queue = new InMemoryTaskQueue({ clock: () => now });
      const log = new RecordingLogger();
      const scheduler = new Scheduler({
        config: schedulerConfig({ batchSize: 50 }),
        models: new InMemoryModelCatalog(models(20)),
        ledger: new WindowLedger(db, () => now),
        queue,
        log,
        clock: () => now,
      });
      // On the third send, the backfill's next ledger statement is made to wait on a lock, and its connection
      // is ended while it waits (what a restart does to a statement in flight): a certain, not a lucky, failure.
      let sends = 0;
      let terminated = false;
      let outage: Promise<void> | undefined;
      const send = queue.send.bind(queue);
      queue.send = async (messages, options) => {
        const result = await send(messages, options);
        if (++sends === 3) {
          await admin.query('BEGIN');
          await admin.query('LOCK TABLE prediction_window IN ACCESS EXCLUSIVE MODE');
          outage = (async () => {
            for (;;) {
              const waiting = await admin.query<{ pid: number }>(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
              );
              if (waiting.rows.length > 0) {
                await admin.query(
                  'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
                );
                terminated = true;
                break;
              }
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
            await admin.query('COMMIT');
          })();
        }
        return result;
      };
      const stop = new AbortController();
      const summary = await resumeAfterOutages(
        () =>
          scheduler.backfill({
            fromMs: at('2026-01-01T00:00:00Z'),
            toMs: at('2026-01-01T00:00:00Z') + 12 * HOUR,
            maxQueued: 1_000_000,
          }),
        {
          signal: stop.signal,
          log,
          what: 'backfill',
          policy: { initialIntervalMs: 50, backoffCoefficient: 2, maximumIntervalMs: 500, maximumAttempts: 100 },
        },
      );
      await outage;

      expect(terminated).to.equal(true);
      // 20 models x the ten-minute windows covering the 12 hours (at least the 72 of the hours themselves).
      const windows = summary.windows;
      expect(windows).to.be.at.least(20 * 72);
      const ids = queue.accepted.map((m) => m.id);
      expect(new Set(ids).size, 'distinct windows sent').to.equal(windows);
      const counted = await admin.query<{ n: string }>('SELECT COUNT(*) AS n FROM prediction_window');
      expect(Number(counted.rows[0]!.n)).to.equal(windows);
      expect(log.withMessage('backfill interrupted by a transient failure; resuming').length).to.be.at.least(1);
    } finally {
      await admin.end();
      await db.close();
    }
  });
});
