import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { Dialect } from './Database.js';
import type { MigrationSql, ProviderMigration } from '../provider/ProviderMigration.js';
import { toNumberedPlaceholders } from './sql/placeholders.js';

/** The 13-digit timestamp a migration's name ends in: it orders core and provider migrations in one list. */
export function migrationTimestamp(name: string): number {
  const match = /(\d{13})$/.exec(name);
  if (!match?.[1]) throw new Error(`migration name "${name}" must end in a 13-digit timestamp (e.g. CreateQueueTables1764000000002)`);
  return Number(match[1]);
}

/** TypeORM takes migrations as classes it instantiates (it reads the instance's `name`). */
export type MigrationClass = new () => MigrationInterface;

/** Runs a provider's migration as one of TypeORM's, on the query runner (and so in the transaction) TypeORM gives it. */
export function toTypeormMigration(migration: ProviderMigration, dialect: Dialect): MigrationClass {
  const sqlOn = (runner: QueryRunner): MigrationSql => {
    const text = (sql: string) => (dialect === 'postgres' ? toNumberedPlaceholders(sql) : sql);
    return {
      dialect,
      run: async (sql, params = []) => {
        await runner.query(text(sql), [...params]);
      },
      query: async <T>(sql: string, params: readonly unknown[] = []) => (await runner.query(text(sql), [...params])) as T[],
    };
  };
  return class implements MigrationInterface {
    readonly name = migration.name;
    async up(runner: QueryRunner): Promise<void> {
      await migration.up(sqlOn(runner));
    }
    async down(runner: QueryRunner): Promise<void> {
      if (!migration.down) throw new Error(`migration ${migration.name} cannot be reverted (it has no down)`);
      await migration.down(sqlOn(runner));
    }
  };
}

/**
 * The core's migration classes and the providers' migrations as one list ordered by timestamp (the order
 * TypeORM applies them in), so a provider table created before a core change is created before it. Two
 * migrations with one name are refused: TypeORM records a migration by name, and the second would never run.
 */
export function orderMigrations(
  core: readonly MigrationClass[],
  providers: readonly ProviderMigration[],
  dialect: Dialect,
): MigrationClass[] {
  const all = [...core, ...providers.map((m) => toTypeormMigration(m, dialect))].map((Migration) => ({
    Migration,
    name: new Migration().name ?? Migration.name,
  }));
  const seen = new Set<string>();
  for (const { name } of all) {
    if (seen.has(name)) throw new Error(`two migrations are named ${name}`);
    seen.add(name);
  }
  return all.sort((a, b) => migrationTimestamp(a.name) - migrationTimestamp(b.name)).map((m) => m.Migration);
}
