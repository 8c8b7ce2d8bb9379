import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { databaseSchema, type DatabaseConfig } from '../config/sections.js';
import { migrations } from '../../migrations/index.js';
import { ConfigError } from '../runtime/errors.js';
import { checkDatabaseUrl, maskUrl } from '../runtime/connectionUrl.js';
import { connectionError, isPostgresUrl, postgresDataSourceOptions } from './postgres.js';
import type { ProviderMigration } from '../provider/ProviderMigration.js';
import { orderMigrations } from './providerMigrations.js';
import { sqliteConnection } from './sql/typeormDriverInternals.js';
import { startWalCheckpoints } from './walCheckpoints.js';

import { Database, type Dialect } from './Database.js';

export { Database, type Dialect };

/** The process's database with the TypeORM DataSource behind it: for the core (migrations) and tests, not providers. */
export interface OpenDatabase extends Database {
  readonly dataSource: DataSource;
}

/** `sqlite:data/latigo.sqlite` -> `data/latigo.sqlite`; `sqlite::memory:` -> `:memory:`. */
export function sqlitePath(url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined;
  const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
  return path === '' ? undefined : path;
}

/** The settings openDatabase reads: the `database` section; a key left out takes the section's default. */
export type DatabaseOptions = Pick<DatabaseConfig, 'url'> & Partial<DatabaseConfig>;

/** The `database` section's defaults, from its schema (the only place they are written). */
const DATABASE_DEFAULTS: DatabaseConfig = databaseSchema.parse({});

/**
 * Builds (does not connect) the DataSource for `options.url`, with the core's migrations and `providerMigrations`
 * (the providers' own tables) in one list ordered by timestamp. Throws ConfigError for unsupported URLs.
 */
export function createDataSource(options: DatabaseOptions, providerMigrations: readonly ProviderMigration[] = []): DataSource {
  const config = withDefaults(options);
  checkDatabaseUrl(config.url);
  if (isPostgresUrl(config.url)) {
    return new DataSource({
      ...postgresDataSourceOptions(config.url, config),
      synchronize: false,
      migrationsRun: false,
      migrations: orderMigrations(migrations, providerMigrations, 'postgres'),
      logging: config.logQueries ? ['query', 'error'] : false,
    });
  }
  const path = sqlitePath(config.url);
  if (path === undefined) {
    throw new ConfigError(
      'database.url',
      `expected sqlite:<path> (e.g. sqlite:data/latigo.sqlite) or postgres://user:password@host:5432/database, got "${maskUrl(config.url)}"`,
    );
  }
  return new DataSource({
    type: 'better-sqlite3',
    database: path === ':memory:' ? path : resolve(path),
    // Three processes share the file: WAL lets readers run beside the one writer, and the busy
    // timeout makes a writer wait for the lock instead of failing with SQLITE_BUSY.
    enableWAL: true,
    timeout: config.busyTimeoutMs,
    statementCacheSize: 200,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma(`busy_timeout = ${config.busyTimeoutMs}`);
      db.pragma('synchronous = NORMAL'); // durable across process crashes in WAL mode; fsync per checkpoint
      db.pragma('foreign_keys = ON');
    },
    synchronize: false,
    migrationsRun: false,
    migrations: orderMigrations(migrations, providerMigrations, 'sqlite'),
    // Errors are translated and logged once by the caller (STYLE: log once, where handled).
    logging: config.logQueries ? ['query', 'error'] : false,
  });
}

/**
 * Connects; creates the SQLite file and its folder first unless `mustExist` (read-only commands: a
 * mistyped path is then an error naming the URL, not a fresh empty database). A PostgreSQL server that
 * cannot be reached or refuses the credentials rejects with a one-line ProviderError naming the masked
 * URL (retryable when the server may come up later); a PostgreSQL database is never created here.
 */
export async function openDatabase(
  config: DatabaseOptions,
  options: { mustExist?: boolean; providerMigrations?: readonly ProviderMigration[] } = {},
): Promise<OpenDatabase> {
  const dataSource = createDataSource(config, options.providerMigrations);
  const dialect: Dialect = isPostgresUrl(config.url) ? 'postgres' : 'sqlite';
  const path = sqlitePath(config.url);
  if (path && path !== ':memory:') {
    if (options.mustExist === true && isNewSqliteFile(config.url)) throw new DatabaseMissingError(maskUrl(config.url), resolve(path));
    mkdirSync(dirname(resolve(path)), { recursive: true });
  }
  try {
    await dataSource.initialize();
  } catch (err) {
    if (dialect === 'postgres') throw connectionError(err, maskUrl(config.url));
    throw err;
  }
  let closed = false;
  const closeHooks = new Set<() => Promise<void> | void>();
  const opened: OpenDatabase = {
    dataSource,
    dialect,
    ...(path && path !== ':memory:' ? { file: resolve(path) } : {}),
    onClose(hook) {
      const entry = () => hook(); // a Set entry of its own, so the same hook added twice is removed once
      closeHooks.add(entry);
      return () => {
        closeHooks.delete(entry);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      const hooks = [...closeHooks];
      closeHooks.clear();
      // A failing hook must not keep the connections open.
      await Promise.allSettled(hooks.map(async (hook) => hook()));
      await dataSource.destroy();
    },
  };
  const connection = dialect === 'sqlite' && path !== ':memory:' ? sqliteConnection(opened) : undefined;
  if (connection !== undefined) opened.onClose(startWalCheckpoints(connection));
  return opened;
}

/** True when `url` names a SQLite file that does not exist yet (opening it creates it). */
export function isNewSqliteFile(url: string): boolean {
  const path = sqlitePath(url);
  return path !== undefined && path !== ':memory:' && !existsSync(resolve(path));
}

/** A read-only command found no database at the configured URL (exit 1; nothing was created). */
export class DatabaseMissingError extends Error {
  constructor(
    readonly url: string,
    path: string,
  ) {
    super(
      `database ${url} does not exist (no file ${path}); check database.url, or create it with latigo migrate (latigo start creates it too)`,
    );
    this.name = 'DatabaseMissingError';
  }
}

function withDefaults(options: DatabaseOptions): DatabaseConfig {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as DatabaseOptions;
  return { ...DATABASE_DEFAULTS, ...given };
}

/** Hides the password of a database URL for logs and errors (invariant 8): see src/runtime/connectionUrl.ts. */
export { maskUrl };
