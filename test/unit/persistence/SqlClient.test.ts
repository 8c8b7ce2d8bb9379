import { expect } from 'chai';
import { openDatabase } from '../../../src/persistence/dataSource.js';
import { SqlClient, valuesList } from '../../../src/persistence/sql/SqlClient.js';
import { sqliteConnection } from '../../../src/persistence/sql/typeormDriverInternals.js';
import { openTempDatabase, type TempDatabase } from '../embedded/tempDatabase.js';

describe('SqlClient', () => {
  let temp: TempDatabase;
  let sql: SqlClient;
  beforeEach(async () => {
    temp = await openTempDatabase();
    sql = new SqlClient(temp.db);
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  const insert = (name: string) => ({ sql: 'INSERT INTO scheduler_state (name, updated_at) VALUES (?, ?)', params: [name, 1] });
  /** Another connection to the test's database file, as another process would have. */
  const secondConnection = (busyTimeoutMs = 5000) =>
    openDatabase({ url: `sqlite:${String(temp.db.dataSource.options.database)}`, busyTimeoutMs, logQueries: false });
  const names = async () => (await sql.query<{ name: string }>('SELECT name FROM scheduler_state ORDER BY name', [])).map((r) => r.name);

  it('runs a transaction all or nothing', async () => {
    const err = await sql.transaction([insert('a'), insert('b'), insert('a')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err)
      .to.have.property('code')
      .that.matches(/^SQLITE_CONSTRAINT/);
    expect(await names()).to.deep.equal([]);
    const results = await sql.transaction([insert('a'), insert('b')]);
    expect(results.map((r) => r.changes)).to.deep.equal([1, 1]);
    expect(await names()).to.deep.equal(['a', 'b']);
  });

  it('returns the rows of reading statements inside a transaction', async () => {
    const [, read] = await sql.transaction([insert('x'), { sql: 'SELECT name FROM scheduler_state', params: [] }]);
    expect(read!.rows).to.deep.equal([{ name: 'x' }]);
  });

  it('waits for a TypeORM transaction open on the shared connection instead of joining it', async () => {
    await temp.db.dataSource.query('BEGIN');
    await temp.db.dataSource.query('INSERT INTO scheduler_state (name, updated_at) VALUES (?, ?)', ['theirs', 1]);
    const ours = sql.transaction([insert('ours')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await temp.db.dataSource.query('ROLLBACK');
    await ours;
    expect(await names()).to.deep.equal(['ours']);
  });

  it("waits for another connection's write lock on the event loop, not in SQLite's sleeping busy handler", async () => {
    // The holder is a second connection in this same thread: had the waiter blocked the thread, the holder
    // could never commit and the write would fail with SQLITE_BUSY after the busy timeout.
    const holder = await secondConnection();
    try {
      await holder.dataSource.query('BEGIN IMMEDIATE');
      await holder.dataSource.query('INSERT INTO scheduler_state (name, updated_at) VALUES (?, ?)', ['holder', 1]);
      let settled = false;
      const writes = Promise.all([
        sql.transaction([insert('waiter')]),
        sql.run('INSERT INTO scheduler_state (name, updated_at) VALUES (?, ?)', ['single', 1]),
      ]);
      void writes.finally(() => (settled = true));
      let turns = 0;
      while (turns < 20) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        turns++;
      }
      expect(settled, 'the writes waited for the lock').to.equal(false);
      await holder.dataSource.query('COMMIT');
      await writes;
      expect(await names()).to.deep.equal(['holder', 'single', 'waiter']);
    } finally {
      await holder.close();
    }
  });

  it('commits the writes that queued behind the lock together, each all or nothing on its own', async () => {
    const holder = await secondConnection();
    try {
      await holder.dataSource.query('BEGIN IMMEDIATE');
      const first = sql.transaction([insert('a'), insert('b')]);
      const failing = sql.transaction([insert('c'), insert('a')]); // its duplicate 'a' fails it, 'c' included
      const last = sql.run('INSERT INTO scheduler_state (name, updated_at) VALUES (?, ?)', ['d', 1]);
      const failure = failing.then(
        () => expect.fail('expected the duplicate to fail its transaction'),
        (e: unknown) => e,
      );
      await holder.dataSource.query('COMMIT');
      expect((await first).map((r) => r.changes)).to.deep.equal([1, 1]);
      expect(await failure)
        .to.have.property('code')
        .that.matches(/^SQLITE_CONSTRAINT/);
      expect(await last).to.equal(1);
      expect(await names()).to.deep.equal(['a', 'b', 'd']);
    } finally {
      await holder.close();
    }
  });

  it("leaves the connection's busy timeout as configured after trying the lock, taken or not", async () => {
    const holder = await secondConnection();
    const waiter = await secondConnection(1234);
    const busyTimeout = () => sqliteConnection(waiter)!.pragma('busy_timeout', { simple: true });
    try {
      await new SqlClient(waiter).transaction([insert('free')]);
      expect(busyTimeout(), 'after a write that found the lock free').to.equal(1234);
      await holder.dataSource.query('BEGIN IMMEDIATE');
      const queued = new SqlClient(waiter).transaction([insert('queued')]);
      await new Promise((resolve) => setTimeout(resolve, 5)); // a few tries of the taken lock
      expect(busyTimeout(), 'while the lock is tried again').to.equal(1234);
      await holder.dataSource.query('COMMIT');
      await queued;
      expect(busyTimeout(), 'after the queued write').to.equal(1234);
    } finally {
      await holder.close();
      await waiter.close();
    }
  });

  it("fails a write with SQLite's SQLITE_BUSY once it waited the busy timeout for the lock", async () => {
    const holder = await secondConnection();
    const waiter = await secondConnection(100);
    try {
      await holder.dataSource.query('BEGIN IMMEDIATE');
      const err = await new SqlClient(waiter).transaction([insert('late')]).then(
        () => expect.fail('expected SQLITE_BUSY'),
        (e: unknown) => e,
      );
      expect(err).to.have.property('code', 'SQLITE_BUSY');
      await holder.dataSource.query('ROLLBACK');
      await new SqlClient(waiter).transaction([insert('later')]);
      expect(await names()).to.deep.equal(['later']);
    } finally {
      await holder.close();
      await waiter.close();
    }
  });

  it('reads rows as arrays in column order', async () => {
    await sql.run('INSERT INTO scheduler_state (name, last_tick_ms, updated_at) VALUES (?, ?, ?)', ['s', 5, 6]);
    expect(await sql.queryArrays('SELECT name, last_tick_ms, updated_at FROM scheduler_state', [])).to.deep.equal([['s', 5, 6]]);
    expect(await sql.query('SELECT name, last_tick_ms, updated_at FROM scheduler_state', [])).to.deep.equal([
      { name: 's', last_tick_ms: 5, updated_at: 6 },
    ]);
  });

  it('binds booleans as 0/1 and undefined as NULL', async () => {
    expect(await sql.query('SELECT ? AS t, ? AS f, ? AS u', [true, false, undefined])).to.deep.equal([{ t: 1, f: 0, u: null }]);
  });

  it('builds VALUES lists of the requested shape', () => {
    expect(valuesList(2, 3)).to.equal('(?, ?, ?), (?, ?, ?)');
    expect(valuesList(1, 1)).to.equal('(?)');
  });
});
