import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { encodeUserinfo } from '../runtime/connectionUrl.js';
import { ProviderError } from '../runtime/errors.js';

/** `postgres://…` and `postgresql://…` URLs (libpq's two spellings). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Connection settings beyond the URL: the `database` section's PostgreSQL keys (defaults live in its schema). */
export interface PostgresOptions {
  /** Connections per process. Each executor task holds one for the length of a transaction. */
  readonly poolSize: number;
  /** The server cancels a statement running longer (57014); 0 turns the limit off. */
  readonly statementTimeoutMs: number;
  /** Opening a connection gives up after this long. */
  readonly connectTimeoutMs: number;
}

/**
 * node-postgres returns int8 (bigint) as strings, since not every int8 fits a double. Ours are epoch
 * milliseconds, counts and ids, far below 2^53, and the SQLite path returns them as numbers: parse them
 * here, for this pool only (TypeORM's `parseInt8` would change the process-wide `pg.defaults`).
 */
const typesWithNumericInt8: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === Number(pg.types.builtins.INT8) && format !== 'binary'
      ? (text: string) => Number(text)
      : (pg.types.getTypeParser(oid, format) as (text: string) => unknown)) as pg.CustomTypesConfig['getTypeParser'],
};

/** TypeORM options for a PostgreSQL URL; the URL itself goes to node-postgres, which reads every libpq form. */
export function postgresDataSourceOptions(url: string, options: PostgresOptions): DataSourceOptions {
  const { poolSize, statementTimeoutMs, connectTimeoutMs } = options;
  return {
    type: 'postgres',
    driver: pg,
    poolSize,
    connectTimeoutMS: connectTimeoutMs,
    applicationName: 'latigo',
    // Not `url`: TypeORM's own URL parser turns a missing user into the string "undefined".
    extra: {
      connectionString: encodeUserinfo(url),
      types: typesWithNumericInt8,
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
      // Finds connections a restarted server or a dropped network left half-open.
      keepAlive: true,
    },
    installExtensions: false,
  };
}

/** Driver error codes of a failed connection attempt that may succeed later. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P03', '53300']);

/**
 * One line naming the masked URL and what to check, for a connection that could not be opened: the CLI
 * prints it without a stack. Retryable when the server may come up later (refused, timed out, starting,
 * too many connections); permanent for wrong credentials, a missing database or an unknown host.
 */
export function connectionError(err: unknown, maskedUrl: string): ProviderError {
  // Node reports a refused `localhost` (tried as ::1 and 127.0.0.1) as an AggregateError with an empty message.
  const cause = err instanceof AggregateError && err.errors.length > 0 ? (err.errors[0] as unknown) : err;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const text = cause instanceof Error ? cause.message : String(cause);
  const retryable = (typeof code === 'string' && UNREACHABLE.has(code)) || /timeout|terminated/i.test(text);
  return new ProviderError(`cannot connect to PostgreSQL at ${maskedUrl} (${hint(code, text)})`, { retryable, cause });
}

function hint(code: unknown, text: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused: is the server running and listening on that host and port?';
    case 'ENOTFOUND':
      return 'unknown host';
    case '28P01':
      return 'authentication failed: check the user and password in database.url';
    case '28000':
      return 'the server refused this user: check the user in database.url and pg_hba.conf';
    case '3D000':
      return 'the database does not exist: create it or fix the name in database.url';
    case '57P03':
      return 'the server is starting up or shutting down';
    case '53300':
      return 'the server has no free connection slots';
    default:
      if (/password must be a string|SASL/i.test(text)) return 'the server asks for a password: add one to database.url';
      if (/timeout/i.test(text)) return 'timed out: is the host reachable?';
      return 'connection failed';
  }
}
