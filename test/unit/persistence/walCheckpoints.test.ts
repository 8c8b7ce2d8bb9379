import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/persistence/dataSource.js';
import { sqliteConnection } from '../../../src/persistence/sql/typeormDriverInternals.js';
import { startWalCheckpoints, WAL_AUTOCHECKPOINT_PAGES } from '../../../src/persistence/walCheckpoints.js';

describe('WAL checkpoints on a timer (SQLite)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'latigo-wal-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file between commits, not in them', async () => {
    const file = join(dir, 'db.sqlite');
    const connection = new BetterSqlite3(file);
    connection.pragma('journal_mode = WAL');
    const stop = startWalCheckpoints(connection, 20);
    try {
      expect(connection.pragma('wal_autocheckpoint', { simple: true })).to.equal(WAL_AUTOCHECKPOINT_PAGES);
      connection.exec('CREATE TABLE t (v TEXT)');
      const insert = connection.prepare('INSERT INTO t (v) VALUES (?)');
      connection.transaction(() => {
        for (let i = 0; i < 500; i++) insert.run('x'.repeat(4000)); // ~500 pages: below the autocheckpoint
      })();
      const committedBytes = statSync(file).size;
      expect(committedBytes, 'the commit left its pages in the WAL').to.be.below(500 * 4000);
      while (statSync(file).size < 500 * 4000) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      stop();
      connection.close();
    }
  });

  it('runs for every SQLite database openDatabase opens, and stops when it closes', async () => {
    const db = await openDatabase({ url: `sqlite:${join(dir, 'open.sqlite')}`, busyTimeoutMs: 1000, logQueries: false });
    const connection = sqliteConnection(db)!;
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).to.equal(WAL_AUTOCHECKPOINT_PAGES);
    await db.close();
    expect(connection.open).to.equal(false);
  });
});
