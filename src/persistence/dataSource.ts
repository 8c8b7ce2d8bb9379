import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { databaseSchema, type DatabaseConfig } from '../config/sections.js';
import { migrations } from '../../migrations/index.js';
import { ConfigError } from '../runtime/errors.js';
import { connectionError, isPostgresUrl, postgresDataSourceOptions } from './postgres.js';

export type Dialect = 'sqlite' | 'postgres';

/** The one TypeORM DataSource of a process, shared by the core and the embedded providers. */
export interface Database {
  readonly dataSource: DataSource;
  readonly dialect: Dialect;
  /**
   * Runs `hook` when the database closes, before its connections do: for what lives as long as the
   * database but outside its pool (e.g. the task queue's LISTEN connection), so whoever closes the
   * database closes that too. Returns a function that removes the hook.
   */
  onClose(hook: () => Promise<void> | void): () => void;
  /** Runs the close hooks, then closes the connections. Idempotent. */
  close(): Promise<void>;
}
export const Database = Symbol.for('latigo.Database');

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

/** Builds (does not connect) the DataSource for `options.url`. Throws ConfigError for unsupported URLs. */
export function createDataSource(options: DatabaseOptions): DataSource {
  const config = withDefaults(options);
  if (isPostgresUrl(config.url)) {
    return new DataSource({
      ...postgresDataSourceOptions(config.url, config),
      synchronize: false,
      migrationsRun: false,
      migrations,
      logging: config.logQueries ? ['query', 'error'] : false,
    } as DataSourceOptions);
  }
  const path = sqlitePath(config.url);
  if (path === undefined) {
    throw new ConfigError('database.url',
      `expected sqlite:<path> (e.g. sqlite:data/latigo.sqlite) or postgres://user:password@host:5432/database, got "${maskUrl(config.url)}"`);
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
    migrations,
    // Errors are translated and logged once by the caller (STYLE: log once, where handled).
    logging: config.logQueries ? ['query', 'error'] : false,
  });
}

/**
 * Connects; creates the SQLite file's folder first. A PostgreSQL server that cannot be reached or refuses
 * the credentials rejects with a one-line ProviderError naming the masked URL (retryable when the server
 * may come up later).
 */
export async function openDatabase(config: DatabaseOptions): Promise<Database> {
  const dataSource = createDataSource(config);
  const dialect: Dialect = isPostgresUrl(config.url) ? 'postgres' : 'sqlite';
  const path = sqlitePath(config.url);
  if (path && path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  try {
    await dataSource.initialize();
  } catch (err) {
    if (dialect === 'postgres') throw connectionError(err, maskUrl(config.url));
    throw err;
  }
  let closed = false;
  const closeHooks = new Set<() => Promise<void> | void>();
  return {
    dataSource,
    dialect,
    onClose(hook) {
      const entry = () => hook(); // a Set entry of its own, so the same hook added twice is removed once
      closeHooks.add(entry);
      return () => { closeHooks.delete(entry); };
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
}

function withDefaults(options: DatabaseOptions): DatabaseConfig {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as DatabaseOptions;
  return { ...DATABASE_DEFAULTS, ...given };
}

/** Hides the password of a database URL for logs and errors (invariant 8). Up to the last `@` of the
 *  authority, so a password with an unencoded `@` is hidden whole; `password=` query parameters too. */
export function maskUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^/]*@/, '$1***@').replace(/([?&]password=)[^&]*/i, '$1***');
}
