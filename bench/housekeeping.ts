import type { OpenDatabase as Database } from '../src/persistence/dataSource.js';

/** The cycle suites' housekeeping between phases: the one place where they differ by database. */

/**
 * PostgreSQL: a plant's database has been vacuumed and analysed long before any cycle. Freshly seeded
 * tables have neither statistics (the planner guesses) nor a visibility map, and ~26 million inserted
 * rows would trigger autovacuum in the middle of the timed cycle; so both happen here, in the setup.
 */
export async function settleAfterSeeding(db: Database): Promise<void> {
  if (db.dialect === 'postgres') await db.dataSource.query('VACUUM ANALYZE');
}

/** Between the baseline and the pipeline: the pipeline writes every prediction afresh, into a database
 *  left as tidy as the baseline found it (SQLite: WAL folded back; PostgreSQL: dead rows vacuumed, dirty
 *  pages flushed, so neither a checkpoint nor autovacuum falls into the timed cycle). */
export async function clearPredictions(db: Database): Promise<void> {
  await db.dataSource.query('DELETE FROM prediction');
  await db.dataSource.query('DELETE FROM prediction_series');
  if (db.dialect === 'sqlite') {
    await db.dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
  } else {
    await db.dataSource.query('VACUUM ANALYZE prediction, prediction_series');
    await db.dataSource.query('CHECKPOINT').catch(() => undefined); // needs superuser or pg_checkpoint
  }
}
