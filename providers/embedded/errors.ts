import { InsufficientDataError, InvalidDataError, isAbortError, NotFoundError, ProviderError } from '../../src/runtime/errors.js';

/**
 * Translates a database error of an embedded provider into the error family of ARCHITECTURE invariant 6.
 * The only code that reads SQLite error codes. Lock contention (another process holds the write lock
 * longer than the busy timeout) is retryable; everything else (constraint, corruption, closed
 * connection, SQL error) is permanent. AbortErrors and errors already classified pass through untouched.
 */
export function toProviderError(err: unknown, operation: string): Error {
  if (isAbortError(err)) return err as Error;
  if (err instanceof ProviderError || err instanceof NotFoundError || err instanceof InvalidDataError || err instanceof InsufficientDataError) {
    return err;
  }
  const code = sqliteCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  const retryable = code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
  // TODO(lead): PostgreSQL codes (40001, 40P01, 55P03, 57P0x, 08xxx) join these with the PostgreSQL issue.
  return new ProviderError(`${operation} failed${code ? ` (${code})` : ''}: ${detail}`, { retryable, cause: err });
}

/** better-sqlite3's SqliteError carries `code`; TypeORM's QueryFailedError wraps it as `driverError`. */
function sqliteCode(err: unknown): string | undefined {
  for (let current: unknown = err, depth = 0; current && typeof current === 'object' && depth < 3; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
    const record = current as { driverError?: unknown; cause?: unknown };
    current = record.driverError ?? record.cause;
  }
  return undefined;
}
