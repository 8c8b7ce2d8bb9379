import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { PoolClient } from 'pg';
import type { Database } from '../Database.js';

/**
 * The one place that reaches into TypeORM's drivers past their public types. SqlClient talks to the
 * underlying client directly (prepared better-sqlite3 statements, node-postgres clients checked out of the
 * pool, a client outside the pool with the pool's settings) because TypeORM's QueryRunner cannot return
 * rows as arrays or discard a broken connection. TypeORM declares these members on its drivers but not on
 * the `Driver` interface a DataSource exposes, so they are read by name here, each checked before use, and
 * nowhere else. A TypeORM upgrade that renames one fails here with a clear message.
 *
 * The DataSource itself is not part of the Database type (providers and the public API see no TypeORM
 * type); openDatabase's object carries it as `dataSource`, read here.
 */

/** TypeORM's driver of the database openDatabase opened. */
function driverOf(db: Database): object {
  const dataSource: unknown = Reflect.get(db, 'dataSource');
  const driver: unknown = typeof dataSource === 'object' && dataSource !== null ? Reflect.get(dataSource, 'driver') : undefined;
  if (typeof driver !== 'object' || driver === null) throw new Error('the database was not opened by openDatabase (no TypeORM driver)');
  return driver;
}

/** better-sqlite3's handle of an SQLite DataSource (BetterSqlite3Driver.databaseConnection); undefined when closed. */
export function sqliteConnection(db: Database): BetterSqlite3.Database | undefined {
  const connection = Reflect.get(driverOf(db), 'databaseConnection') as BetterSqlite3.Database | undefined;
  return connection;
}

/** The node-postgres pool's client settings (PostgresDriver.master.options); undefined when not PostgreSQL or not open. */
export function postgresPoolOptions(db: Database): pg.ClientConfig | undefined {
  if (db.dialect !== 'postgres') return undefined;
  const pool = Reflect.get(driverOf(db), 'master') as { options: pg.ClientConfig } | undefined;
  return pool?.options;
}

/**
 * A client checked out of TypeORM's PostgreSQL pool and the pool's release function (given an error, the
 * pool discards the client instead of reusing it): PostgresDriver.obtainMasterConnection.
 */
export async function obtainPostgresClient(db: Database): Promise<[PoolClient, (err?: unknown) => void]> {
  const driver = driverOf(db);
  const obtain: unknown = Reflect.get(driver, 'obtainMasterConnection');
  if (typeof obtain !== 'function')
    throw new Error("TypeORM's PostgreSQL driver has no obtainMasterConnection (unsupported TypeORM version)");
  const obtained = (await Reflect.apply(obtain, driver, [])) as [PoolClient, (err?: unknown) => void];
  return obtained;
}

/** The file of an SQLite database (the DataSource's `options.database`); undefined for PostgreSQL. */
export function sqliteFile(db: Database): string | undefined {
  if (db.dialect !== 'sqlite') return undefined;
  const dataSource: unknown = Reflect.get(db, 'dataSource');
  const options: unknown = typeof dataSource === 'object' && dataSource !== null ? Reflect.get(dataSource, 'options') : undefined;
  const file: unknown = typeof options === 'object' && options !== null ? Reflect.get(options, 'database') : undefined;
  return typeof file === 'string' ? file : undefined;
}
