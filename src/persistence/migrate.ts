import type { OpenDatabase as Database } from './dataSource.js';
import { dedicatedClient } from './sql/dedicatedClient.js';

export interface MigrationStatus {
  readonly name: string;
  readonly applied: boolean;
}

/**
 * Applies pending migrations in one transaction. Several processes may start at once: on PostgreSQL they
 * take turns under an advisory lock, so the later ones find nothing pending. On SQLite (no such lock), if
 * another process applied the same migrations first, ours fails on "already exists"; we re-check and
 * succeed when nothing is pending any more.
 */
export async function runMigrations(db: Database): Promise<string[]> {
  return withMigrationLock(db, async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await db.dataSource.runMigrations({ transaction: 'all' });
        return applied.map((m) => m.name);
      } catch (err) {
        // showMigrations() is true while some migration is still pending.
        if (!(await db.dataSource.showMigrations())) return [];
        if (attempt >= 3) throw err;
      }
    }
  });
}

export async function revertAllMigrations(db: Database): Promise<number> {
  return withMigrationLock(db, async () => {
    let reverted = 0;
    while ((await migrationStatus(db)).some((m) => m.applied)) {
      await db.dataSource.undoLastMigration({ transaction: 'all' });
      reverted++;
    }
    return reverted;
  });
}

/** Any fixed number: the key of latigo's migration lock among the database's advisory locks. */
export const MIGRATION_LOCK_KEY = 0x6c617469;

/**
 * Runs `work` holding PostgreSQL's session-level advisory lock for migrations, on a connection of its
 * own (TypeORM runs the migrations on pooled ones, so the lock costs no pool slot). The lock is taken
 * before TypeORM reads which migrations are applied, and released by ending the session, also when the
 * process dies. On SQLite `work` runs as it is.
 */
async function withMigrationLock<T>(db: Database, work: () => Promise<T>): Promise<T> {
  if (db.dialect !== 'postgres') return work();
  const client = dedicatedClient(db);
  // A lost lock connection only loses the turn-taking; the migrations' own transaction stays safe.
  client.on('error', () => {});
  await client.connect();
  try {
    // Waiting for another process's migrations is right however long they take; the statement timeout
    // of the pool's settings must not cut the wait short.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await work();
  } finally {
    await client.end().catch(() => {});
  }
}

export async function migrationStatus(db: Database): Promise<MigrationStatus[]> {
  const runner = db.dataSource.createQueryRunner();
  try {
    const hasTable = await runner.hasTable(db.dataSource.options.migrationsTableName ?? 'migrations');
    const appliedNames = new Set<string>(
      hasTable
        ? ((await runner.query(`SELECT name FROM ${db.dataSource.options.migrationsTableName ?? 'migrations'}`)) as { name: string }[]).map(
            (r) => r.name,
          )
        : [],
    );
    return db.dataSource.migrations.map((m) => ({
      name: m.name ?? m.constructor.name,
      applied: appliedNames.has(m.name ?? m.constructor.name),
    }));
  } finally {
    await runner.release();
  }
}
