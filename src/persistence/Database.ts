import type { ServiceIdentifier } from 'inversify';

/** The SQL dialects the service's own database may speak. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * The process's own database (SQLite or PostgreSQL) as the core and providers see it: which dialect it
 * speaks and its lifetime. Statements go through SqlClient. The ORM behind it (TypeORM, used for
 * connections and migrations) is not part of this type, so it is not part of latigo's public API.
 */
export interface Database {
  readonly dialect: Dialect;
  /** SQLite: the database file's absolute path (absent in memory and on PostgreSQL), for watching it for writes. */
  readonly file?: string;
  /**
   * Runs `hook` when the database closes, before its connections do: for what lives as long as the
   * database but outside its pool (e.g. the task queue's LISTEN connection), so whoever closes the
   * database closes that too. Returns a function that removes the hook.
   */
  onClose(hook: () => Promise<void> | void): () => void;
  /** Runs the close hooks, then closes the connections. Idempotent. */
  close(): Promise<void>;
}
export const Database: ServiceIdentifier<Database> = Symbol.for('latigo.Database');
