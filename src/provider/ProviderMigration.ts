import type { Dialect } from '../persistence/Database.js';

/** The statements a migration runs, in the migration's transaction. */
export interface MigrationSql {
  readonly dialect: Dialect;
  /** Runs one statement (`?` placeholders on both dialects). */
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Runs one query and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * One schema change of a provider's own tables. `name` ends in a 13-digit timestamp that orders it among
 * every migration of the service (`CreateQueueTables1764000000002`); a migration that ran is never changed.
 * `up` is written so that it also runs on a database where an earlier release already created the tables
 * (e.g. `CREATE TABLE IF NOT EXISTS`): a provider that moves its tables out of the core keeps them.
 */
export interface ProviderMigration {
  readonly name: string;
  up(sql: MigrationSql): Promise<void>;
  down?(sql: MigrationSql): Promise<void>;
}
