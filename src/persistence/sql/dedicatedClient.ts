import pg from 'pg';
import type { Database } from '../dataSource.js';

/** The part of TypeORM's PostgresDriver we read: its node-postgres pool, which keeps its client settings. */
interface PoolOwner {
  master?: { options: pg.ClientConfig };
}

/**
 * A node-postgres client outside the pool, with exactly the settings of the pool's own clients (the URL,
 * timeouts, the int8 parser, the application name): for a session that must not go back to a pool, such
 * as a LISTEN or a lock held across statements. The caller connects it, handles its 'error' event and
 * ends it. Throws when `db` is not an open PostgreSQL database.
 */
export function dedicatedClient(db: Database): pg.Client {
  const pool = (db.dataSource.driver as unknown as PoolOwner).master;
  if (db.dialect !== 'postgres' || pool === undefined) throw new Error('a dedicated connection needs an open PostgreSQL database');
  return new pg.Client(pool.options);
}
