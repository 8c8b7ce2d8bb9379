import pg from 'pg';
import type { Database } from '../Database.js';
import { postgresPoolOptions } from './typeormDriverInternals.js';

/**
 * A node-postgres client outside the pool, with exactly the settings of the pool's own clients (the URL,
 * timeouts, the int8 parser, the application name): for a session that must not go back to a pool, such
 * as a LISTEN or a lock held across statements. The caller connects it, handles its 'error' event and
 * ends it. Throws when `db` is not an open PostgreSQL database.
 */
export function dedicatedClient(db: Database): pg.Client {
  const options = postgresPoolOptions(db);
  if (options === undefined) throw new Error('a dedicated connection needs an open PostgreSQL database');
  return new pg.Client(options);
}
