import type BetterSqlite3 from 'better-sqlite3';
import { isSqliteLockContention } from './sql/errors.js';

/** How often each process copies the WAL's committed pages back into the database file. */
export const WAL_CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * SQLite's own checkpoint as a safety valve only: a process whose event loop is held up (so the timer
 * cannot fire) still keeps the WAL from growing without bound. 16,000 pages of 4 KiB is 64 MiB.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 16_000;

/**
 * Checkpoints the WAL on a timer instead of inside commits. SQLite checkpoints automatically in the COMMIT of
 * whichever connection pushes the WAL past `wal_autocheckpoint` pages (1,000 by default), and while other
 * processes read (executors reading sensor data, the api serving pages) a checkpoint cannot empty the WAL,
 * so it stays past the limit and nearly every commit tries again and pays its fsyncs: in the cycle-embedded
 * benchmark a one-row commit took 0.6-2 ms instead of 0.02 ms, and commits were the largest part of the
 * time a task held the write lock. A PASSIVE checkpoint neither waits for readers nor blocks writers; the
 * one a second here costs each process a few milliseconds a second. Returns the function that stops it.
 */
export function startWalCheckpoints(connection: BetterSqlite3.Database, intervalMs = WAL_CHECKPOINT_INTERVAL_MS): () => void {
  connection.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  let warned = false;
  const timer = setInterval(() => {
    if (!connection.open || connection.inTransaction) return;
    try {
      connection.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      // Another process checkpointing at the same moment answers SQLITE_BUSY: its checkpoint does the work.
      if (isSqliteLockContention(err)) return;
      // Anything else is not this timer's to handle, and the autocheckpoint still bounds the WAL: say it once.
      if (!warned) process.emitWarning(`SQLite WAL checkpoint failed: ${(err as Error).message}`, 'LatigoDatabaseWarning');
      warned = true;
    }
  }, intervalMs);
  timer.unref(); // never what keeps a process alive
  return () => clearInterval(timer);
}
