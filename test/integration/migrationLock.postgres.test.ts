import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openDatabase, type OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { MIGRATION_LOCK_KEY, migrationStatus, revertAllMigrations, runMigrations } from '../../src/persistence/migrate.js';
import { useThrowawayPostgres } from './helpers/postgres.js';

// Processes that start at once on a new PostgreSQL database take turns migrating it.
describe('runMigrations on PostgreSQL', () => {
  const server = useThrowawayPostgres({ migrate: false });
  const opened: Database[] = [];
  const open = async (statementTimeoutMs?: number) => {
    const db = await openDatabase({ url: server.url, ...(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }) });
    opened.push(db);
    return db;
  };
  beforeEach(async () => {
    await revertAllMigrations(await open()); // every test starts from an empty schema
  });
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.close();
  });

  it('waits for the migration lock another process holds, however long, and migrates once it is released', async () => {
    const other = new pg.Client({ connectionString: server.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      // A statement timeout far below the wait: the lock's wait must not be cut short by it.
      const waiting = runMigrations(await open(100)).then(
        (applied) => ({ applied }),
        (err: unknown) => ({ err }),
      );
      await sleep(400);
      const table = await other.query<{ t: string | null }>("SELECT to_regclass('migrations') AS t");
      expect(table.rows[0]!.t, 'began while another process held the lock').to.equal(null);
      await other.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      const result = await waiting;
      expect(result).to.have.property('applied').that.is.not.empty;
    } finally {
      await other.end();
    }
  });

  it('lets several processes starting at once apply each migration exactly once', async () => {
    const dbs = await Promise.all([open(), open(), open()]);
    const results = await Promise.all(dbs.map((db) => runMigrations(db)));
    const names = (await migrationStatus(dbs[0])).map((m) => m.name);
    expect(results.flat().sort()).to.deep.equal([...names].sort());
    expect((await migrationStatus(dbs[1])).every((m) => m.applied)).to.equal(true);
  });
});
