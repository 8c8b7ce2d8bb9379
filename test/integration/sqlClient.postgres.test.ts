import { expect } from 'chai';
import pg from 'pg';
import { toProviderError } from '../../src/persistence/sql/errors.js';
import { SqlClient } from '../../src/persistence/sql/SqlClient.js';
import type { OpenDatabase as Database } from '../../src/persistence/dataSource.js';
import { ProviderError } from '../../src/runtime/errors.js';
import { truncateAllTables, useThrowawayPostgres } from './helpers/postgres.js';

describe('SqlClient on PostgreSQL', function () {
  this.timeout(180_000);
  const server = useThrowawayPostgres();
  let db: Database;
  let sql: SqlClient;

  beforeEach(async () => {
    db = await server.open();
    await truncateAllTables(db);
    sql = new SqlClient(db);
  });
  afterEach(async () => {
    await db.close();
  });

  const insert = (name: string, tick = 1) => ({
    sql: 'INSERT INTO scheduler_state (name, last_tick_ms, updated_at) VALUES (?, ?, ?)',
    params: [name, tick, 1],
  });
  const names = async () => (await sql.query<{ name: string }>('SELECT name FROM scheduler_state ORDER BY name', [])).map((r) => r.name);
  const rejection = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail('expected a rejection'),
      (err: unknown) => err,
    );

  it('numbers the ? placeholders, leaving a ? inside a string literal alone', async () => {
    expect(await sql.query("SELECT '?' AS literal, CAST(? AS text) AS a, CAST(? AS text) AS b", ['x', 'y'])).to.deep.equal([
      { literal: '?', a: 'x', b: 'y' },
    ]);
  });

  it('returns bigint columns and counts as numbers, as objects and as arrays', async () => {
    const epochMs = Date.UTC(2026, 0, 1, 12);
    await sql.run('INSERT INTO scheduler_state (name, last_tick_ms, updated_at) VALUES (?, ?, ?)', ['s', epochMs, 6]);
    expect(await sql.query('SELECT name, last_tick_ms, updated_at, COUNT(*) OVER () AS n FROM scheduler_state', [])).to.deep.equal([
      { name: 's', last_tick_ms: epochMs, updated_at: 6, n: 1 },
    ]);
    expect(await sql.queryArrays('SELECT name, last_tick_ms, updated_at FROM scheduler_state', [])).to.deep.equal([['s', epochMs, 6]]);
  });

  it('binds booleans as booleans and undefined as NULL', async () => {
    expect(
      await sql.query('SELECT CAST(? AS boolean) AS t, CAST(? AS boolean) AS f, CAST(? AS text) AS u', [true, false, undefined]),
    ).to.deep.equal([{ t: true, f: false, u: null }]);
  });

  it('reports the rows a write changed and the rows it RETURNs', async () => {
    const [inserted, updated, deleted] = await sql.transaction([
      { sql: 'INSERT INTO scheduler_state (name, updated_at) VALUES (?, ?), (?, ?) RETURNING name', params: ['a', 1, 'b', 1] },
      { sql: 'UPDATE scheduler_state SET updated_at = ? WHERE updated_at = ?', params: [2, 1] },
      { sql: 'DELETE FROM scheduler_state WHERE name = ? RETURNING name', params: ['a'] },
    ]);
    expect(inserted).to.deep.equal({ rows: [{ name: 'a' }, { name: 'b' }], changes: 2 });
    expect(updated).to.deep.equal({ rows: [], changes: 2 });
    expect(deleted).to.deep.equal({ rows: [{ name: 'a' }], changes: 1 });
    expect(await sql.run('UPDATE scheduler_state SET updated_at = ?', [3])).to.equal(1);
  });

  it('keeps every value a transaction writes as it was given: quotes, backslashes, unicode, numbers, booleans, arrays, NULL', async () => {
    const text = `it's a "quote", a back\\slash \\' and ? æøå 🌡️`;
    const [row] = (
      await sql.transaction([
        {
          sql:
            'SELECT CAST(? AS text) AS text, CAST(? AS double precision) AS x, CAST(? AS bigint) AS n, CAST(? AS boolean) AS b, ' +
            'CAST(? AS text) AS missing, CAST(? AS text[]) AS texts, CAST(? AS double precision[]) AS xs',
          params: [text, 0.1 + 0.2, Date.UTC(2026, 11, 7), false, null, [text, null, '{"a":1}'], [1.5e-7, -2, 1e300]],
        },
      ])
    )[0]!.rows;
    expect(row).to.deep.equal({
      text,
      x: 0.1 + 0.2,
      n: Date.UTC(2026, 11, 7),
      b: false,
      missing: null,
      texts: [text, null, '{"a":1}'],
      xs: [1.5e-7, -2, 1e300],
    });
  });

  it('runs a transaction all or nothing, and a duplicate key is a permanent error', async () => {
    const err = await rejection(sql.transaction([insert('a'), insert('b'), insert('a')]));
    expect(err).to.have.property('code', '23505');
    expect(toProviderError(err, 'op')).to.include({ retryable: false });
    expect(await names()).to.deep.equal([]);
    await sql.transaction([insert('a'), insert('b')]);
    expect(await names()).to.deep.equal(['a', 'b']);
  });

  it('keeps concurrent transactions on separate connections: one failing does not undo the other', async () => {
    const failing = sql.transaction([insert('mine'), { sql: 'SELECT pg_sleep(0.2)', params: [] }, insert('mine')]);
    const other = sql.transaction([insert('theirs')]);
    const [failed] = await Promise.allSettled([failing, other]);
    expect(failed.status).to.equal('rejected');
    await other;
    expect(await names()).to.deep.equal(['theirs']);
  });

  it('turns a deadlock into a retryable ProviderError', async () => {
    await sql.transaction([insert('x'), insert('y')]);
    const touch = (name: string) => ({ sql: 'UPDATE scheduler_state SET updated_at = updated_at + 1 WHERE name = ?', params: [name] });
    const pause = { sql: 'SELECT pg_sleep(0.3)', params: [] };
    const results = await Promise.allSettled([
      sql.transaction([touch('x'), pause, touch('y')]),
      sql.transaction([touch('y'), pause, touch('x')]),
    ]);
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [toProviderError(r.reason, 'op')] : []));
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(ProviderError).and.include({ retryable: true });
    expect(errors[0]!.message).to.contain('40P01');
  });

  it('turns a connection the server ended into a retryable error, and works again on a new connection', async () => {
    const sleeping = rejection(sql.query('SELECT pg_sleep(10) AS slept', []));
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      for (let attempt = 0; ; attempt++) {
        const { rowCount } = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(10)%' AND pid <> pg_backend_pid()",
        );
        if (rowCount! > 0 || attempt > 100) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await admin.end();
    }
    const err = toProviderError(await sleeping, 'op');
    expect(err, String(err)).to.include({ retryable: true });
    expect(err.message).to.contain('57P01'); // admin_shutdown: what a restarting server sends too
    expect(await sql.query('SELECT 1 AS one', [])).to.deep.equal([{ one: 1 }]);
  });
});
