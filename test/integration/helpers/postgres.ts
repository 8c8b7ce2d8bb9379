import { withBuiltInTables } from '../../fixtures/builtInMigrations.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { maskUrl, openDatabase, type OpenDatabase as Database } from '../../../src/persistence/dataSource.js';
import { runMigrations } from '../../../src/persistence/migrate.js';

/**
 * Throwaway PostgreSQL databases for tests. Each test file creates its own database (random name) on the
 * server at LATIGO_TEST_PG_URL (default below) and drops it afterwards. When that server cannot be reached
 * the tests fail, saying what is missing: no environment flag turns them off.
 */
export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The maintenance database URL of the test server: a role that may CREATE and DROP DATABASE. */
export function testServerUrl(): string {
  return process.env.LATIGO_TEST_PG_URL || DEFAULT_TEST_PG_URL;
}

export interface ThrowawayDatabase {
  readonly name: string;
  /** The server URL with this database's name as its path. */
  readonly url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** Creates an empty database with a random name on the test server. */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const serverUrl = testServerUrl();
  const name = `latigo_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => onServer(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export interface TestPostgres {
  /** The throwaway database's URL (after the `before` hook ran). */
  readonly url: string;
  /** A new connection pool on the throwaway database; the caller closes it. */
  open(): Promise<Database>;
}

/**
 * Registers mocha hooks in the calling `describe` (or at the root of a file): before all, a throwaway
 * database, migrated unless `migrate: false`; after all, its removal.
 */
export function useThrowawayPostgres(options: { migrate?: boolean } = {}): TestPostgres {
  let database: ThrowawayDatabase | undefined;
  const url = () => database?.url ?? expectHookRan();
  before(async function () {
    this.timeout(180_000);
    database = await createThrowawayDatabase();
    if (options.migrate === false) return;
    const db = await openDatabase({ url: database.url, busyTimeoutMs: 5_000, logQueries: false }, withBuiltInTables);
    try {
      await runMigrations(db);
    } finally {
      await db.close();
    }
  });
  after(async function () {
    this.timeout(180_000);
    await database?.drop();
  });
  return {
    get url() {
      return url();
    },
    open: () => openDatabase({ url: url(), busyTimeoutMs: 5_000, logQueries: false }, withBuiltInTables),
  };
}

/** Empties every table but TypeORM's `migrations` and restarts the id sequences: a fresh state per test
 *  at a fraction of the cost of a fresh schema. */
export async function truncateAllTables(db: Database): Promise<void> {
  const rows = await db.dataSource.query<{ tablename: string }[]>(
    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'migrations'",
  );
  if (rows.length > 0) await db.dataSource.query(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY`);
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(
      `the PostgreSQL tests need a server where they may create databases, and none answered at ${maskUrl(serverUrl)} ` +
        `(${err instanceof Error ? err.message || err.name : String(err)}). Start PostgreSQL there (e.g. \`pg_ctlcluster <version> main start\`), ` +
        'or point LATIGO_TEST_PG_URL at one: LATIGO_TEST_PG_URL=postgres://user:password@host:5432/postgres npm test',
      { cause: err },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function expectHookRan(): never {
  throw new Error(
    'the throwaway PostgreSQL database is not created yet: use it inside tests or hooks that run after useThrowawayPostgres()',
  );
}

/**
 * A read-only view of a PostgreSQL database for assertions and polling beside the processes under test: the
 * PostgreSQL counterpart of DatabaseReader (helpers/sqlite.ts), so the same SQL (with `?` placeholders) runs
 * on both. Its own small pool, so it can sit beside a DataSource-less test; counts and other int8 values
 * come back as numbers, as on SQLite. Survives a server restart: a broken idle connection is dropped by the
 * pool (the `error` listener keeps it from crashing the test process) and the next query opens a new one.
 */
export class PostgresReader {
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: 2,
      connectionTimeoutMillis: 5_000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === Number(pg.types.builtins.INT8) && format !== 'binary'
            ? Number
            : (pg.types.getTypeParser(oid, format) as (text: string) => unknown)) as pg.CustomTypesConfig['getTypeParser'],
      },
    });
    this.pool.on('error', () => undefined);
  }

  async all<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    let n = 0;
    return (
      await this.pool.query(
        sql.replace(/\?/g, () => `$${++n}`),
        params,
      )
    ).rows as T[];
  }

  /** The first column of the first row as a number (0 when there is no row). */
  async count(sql: string, ...params: unknown[]): Promise<number> {
    const [row] = await this.all<Record<string, unknown>>(sql, ...params);
    return row === undefined ? 0 : Number(Object.values(row)[0]);
  }

  /** Windows of the ledger by state. */
  async windowStates(): Promise<Record<string, number>> {
    const rows = await this.all<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM prediction_window GROUP BY state');
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
