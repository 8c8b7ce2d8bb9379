import type { Database } from './dataSource.js';

export interface MigrationStatus {
  readonly name: string;
  readonly applied: boolean;
}

/**
 * Applies pending migrations in one transaction. Several processes may start at once on one SQLite
 * file: if another applied the same migrations first, ours fails on "already exists"; we re-check and
 * succeed when nothing is pending any more.
 */
export async function runMigrations(db: Database): Promise<string[]> {
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
}

export async function revertAllMigrations(db: Database): Promise<number> {
  let reverted = 0;
  while ((await migrationStatus(db)).some((m) => m.applied)) {
    await db.dataSource.undoLastMigration({ transaction: 'all' });
    reverted++;
  }
  return reverted;
}

export async function migrationStatus(db: Database): Promise<MigrationStatus[]> {
  const runner = db.dataSource.createQueryRunner();
  try {
    const hasTable = await runner.hasTable(db.dataSource.options.migrationsTableName ?? 'migrations');
    const appliedNames = new Set<string>(
      hasTable ? (await runner.query(`SELECT name FROM ${db.dataSource.options.migrationsTableName ?? 'migrations'}`)).map((r: { name: string }) => r.name) : [],
    );
    return db.dataSource.migrations.map((m) => ({ name: m.name ?? m.constructor.name, applied: appliedNames.has(m.name ?? m.constructor.name) }));
  } finally {
    await runner.release();
  }
}
