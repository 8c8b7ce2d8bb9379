import { expect } from 'chai';
import pg from 'pg';
import { EVENTS_CHANNEL, EventOutbox } from '../../src/events/EventOutbox.js';
import type { NewEvent } from '../../src/events/eventTypes.js';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { describeEventOutbox } from '../unit/events/eventOutboxSuite.js';
import { truncateAllTables, useThrowawayPostgres } from './helpers/postgres.js';
import { waitFor } from './helpers/wait.js';

// The event outbox's suite (test/unit/events) on PostgreSQL, plus what only PostgreSQL has: concurrent
// appenders on separate connections, and NOTIFY on commit.
describe('event outbox on PostgreSQL', () => {
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

  describeEventOutbox('PostgreSQL', openFresh);

  describe('with concurrent appenders', () => {
    let dbs: Database[];
    beforeEach(async () => {
      dbs = [(await openFresh()).db, await server.open(), await server.open()];
    });
    afterEach(async () => {
      for (const db of dbs) await db.close();
    });

    const event = (writer: number, n: number): NewEvent => ({
      type: 'anomaly',
      project: 'p',
      model: `m${writer}`,
      data: { taskId: `${writer}-${n}`, time: new Date(n).toISOString(), totalAnomaly: 2, threshold: 1, topTags: [] },
    });

    it('a reader following by id while three processes append sees every event exactly once, in id order', async function () {
      this.timeout(180_000);
      const perWriter = 150;
      const reader = new EventOutbox(dbs[0]!, Date.now);
      const writers = dbs.map(async (db, w) => {
        const outbox = new EventOutbox(db, Date.now);
        // Appends of one to three events each, so transactions of different sizes interleave.
        for (let n = 0; n < perWriter;) {
          const batch = Array.from({ length: Math.min(1 + (n % 3), perWriter - n) }, (_, i) => event(w, n + i));
          await outbox.append(batch);
          n += batch.length;
        }
      });
      let done = false;
      const allWritten = Promise.all(writers).finally(() => {
        done = true;
      });
      const seen: { id: number; key: string }[] = [];
      let cursor = 0;
      for (;;) {
        const finished = done;
        const page = await reader.readSince(cursor, { limit: 50 });
        for (const e of page.events) seen.push({ id: e.id, key: (e.data as { taskId: string }).taskId });
        cursor = page.nextId;
        if (finished && page.events.length === 0) break;
      }
      await allWritten;
      const keys = seen.map((s) => s.key);
      expect(new Set(keys).size, 'no duplicate').to.equal(keys.length);
      expect(keys.length, 'no gap: every appended event was read').to.equal(3 * perWriter);
      expect(seen.map((s) => s.id)).to.deep.equal([...seen.map((s) => s.id)].sort((a, b) => a - b));
    });

    it(`notifies ${EVENTS_CHANNEL} when an append commits`, async () => {
      const listener = new pg.Client({ connectionString: server.url });
      await listener.connect();
      try {
        let notified = 0;
        listener.on('notification', (n) => {
          if (n.channel === EVENTS_CHANNEL) notified++;
        });
        await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
        await new EventOutbox(dbs[1]!, Date.now).append([event(1, 1), event(1, 2)]);
        await waitFor(() => notified > 0, { timeoutMs: 30_000, describe: () => 'a notification after the append' });
        expect(notified).to.equal(1);
      } finally {
        await listener.end();
      }
    });
  });
});
