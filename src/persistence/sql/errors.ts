import {
  isAbortError,
  ProviderError,
  isInsufficientDataError,
  isInvalidDataError,
  isNotFoundError,
  isProviderError,
} from '../../runtime/errors.js';

/**
 * Translates a database error (embedded providers, the ledger) into the error family of ARCHITECTURE invariant 6.
 * The only code that reads SQLite and PostgreSQL error codes. Retryable: lock contention on SQLite (another
 * process holds the write lock longer than the busy timeout); on PostgreSQL serialization failures,
 * deadlocks, lock and statement timeouts, a server shutting down or restarting, too many connections and
 * lost connections. Everything else (constraint, SQL error, corruption, closed database) is permanent.
 * AbortErrors and errors already classified pass through untouched.
 */
export function toProviderError(err: unknown, operation: string): Error {
  if (isAbortError(err)) return err as Error;
  if (isProviderError(err) || isNotFoundError(err) || isInvalidDataError(err) || isInsufficientDataError(err)) {
    return err;
  }
  const code = errorCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  const retryable = code === undefined ? isLostConnection(detail) : isRetryableCode(code);
  return new ProviderError(`${operation} failed${code ? ` (${code})` : ''}: ${detail}`, { retryable, cause: err });
}

/** SQLite's answer when another connection holds the lock it needs (SQLITE_BUSY, SQLITE_LOCKED and their extended codes). */
export function isSqliteLockContention(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** SQLite refused a write for a constraint (SQLITE_CONSTRAINT and its extended codes: unique, check, ...). */
export function isSqliteConstraint(err: unknown): boolean {
  return errorCode(err)?.startsWith('SQLITE_CONSTRAINT') ?? false;
}

/** PostgreSQL SQLSTATEs worth another attempt. Class 08 is every connection exception. */
const RETRYABLE_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout, NOWAIT)
  '57014', // query_canceled: statement_timeout fired, usually a busy server rather than a bad statement
  '57P01', // admin_shutdown: the server is stopping or restarting
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting up
  '53300', // too_many_connections
]);

const RETRYABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

function isRetryableCode(code: string): boolean {
  if (code.startsWith('SQLITE_')) return isSqliteLockContention({ code });
  return RETRYABLE_SQLSTATES.has(code) || code.startsWith('08') || RETRYABLE_NODE_CODES.has(code);
}

/** node-postgres reports a connection that died mid-query, and the pool one it could not open in time,
 *  by message only. */
function isLostConnection(message: string): boolean {
  return /Connection terminated|not queryable|timeout exceeded when trying to connect/i.test(message);
}

/**
 * The code of a driver error: better-sqlite3's SqliteError (`SQLITE_…`), node-postgres' DatabaseError (a
 * five-character SQLSTATE) or a Node socket error (`ECONNREFUSED`). TypeORM's QueryFailedError wraps them
 * as `driverError`.
 */
function errorCode(err: unknown): string | undefined {
  for (let current: unknown = err, depth = 0; current && typeof current === 'object' && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_') || /^[0-9A-Z]{5}$/.test(code) || RETRYABLE_NODE_CODES.has(code)))
      return code;
    const record = current as { driverError?: unknown; cause?: unknown };
    current = record.driverError ?? record.cause;
  }
  return undefined;
}
