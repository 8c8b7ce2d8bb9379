import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../persistence/Database.js';
import { sqliteFile } from '../persistence/sql/typeormDriverInternals.js';
import { dedicatedClient } from '../persistence/sql/dedicatedClient.js';

/** Any fixed number: the key of the demo seed among PostgreSQL's advisory locks (beside MIGRATION_LOCK_KEY). */
export const DEMO_SEED_LOCK_KEY = 0x6c617464;

/**
 * Runs `work` (seeding the demo) while no other process seeds into the same database: two `latigo start
 * --demo` in one folder used to both seed it (24 faults instead of 12). The second waits, then finds the
 * demo seeded and keeps it. PostgreSQL: a session advisory lock, released when the session ends, also on a
 * crash. SQLite: a lock file beside the database file holding the owner's pid; one whose owner died is taken over.
 */
export async function withDemoSeedLock<T>(db: Database, work: () => Promise<T>, options: { pollMs?: number } = {}): Promise<T> {
  if (db.dialect === 'postgres') {
    const client = dedicatedClient(db);
    client.on('error', () => {}); // a lost lock session only loses the turn-taking
    await client.connect();
    try {
      await client.query('SET statement_timeout = 0'); // waiting for another seed is right however long it takes
      await client.query('SELECT pg_advisory_lock($1)', [DEMO_SEED_LOCK_KEY]);
      return await work();
    } finally {
      await client.end().catch(() => {});
    }
  }
  const file = sqliteFile(db);
  if (file === undefined || file === ':memory:') return work();
  const lock = `${file}.demo-seed.lock`;
  while (!tryLock(lock)) await sleep(options.pollMs ?? 200);
  try {
    return await work();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function tryLock(lock: string): boolean {
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = Number(readOwner(lock));
  if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) return false;
  // The owner died while seeding (or the file is empty): take the lock over. Removing and re-creating
  // keeps 'wx' the arbiter when two processes find the same dead owner.
  try {
    unlinkSync(lock);
  } catch {
    // Another process took it over first.
  }
  return false;
}

function readOwner(lock: string): string {
  try {
    return readFileSync(lock, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
