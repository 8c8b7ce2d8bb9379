import { expect } from 'chai';
import { QueryFailedError } from 'typeorm';
import { toProviderError } from '../../../src/persistence/sql/errors.js';
import { SqlClient } from '../../../src/persistence/sql/SqlClient.js';
import { openDatabase } from '../../../src/persistence/dataSource.js';
import { isAbortError, NotFoundError, ProviderError, throwIfAborted } from '../../../src/runtime/errors.js';
import { openTempDatabase, type TempDatabase } from '../embedded/tempDatabase.js';

function sqliteError(code: string): Error {
  return Object.assign(new Error(`${code}: something`), { code });
}

describe('embedded toProviderError', () => {
  for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE']) {
    it(`makes ${code} a retryable ProviderError that keeps the cause`, () => {
      const cause = sqliteError(code);
      const err = toProviderError(cause, 'embedded-queue.receive');
      expect(err).to.be.instanceOf(ProviderError);
      expect(err).to.include({ retryable: true, cause });
      expect(err.message).to.include('embedded-queue.receive').and.include(code);
    });
  }

  it('reads the code of a driver error wrapped in TypeORM QueryFailedError', () => {
    const err = toProviderError(new QueryFailedError('SELECT 1', [], sqliteError('SQLITE_BUSY')), 'op');
    expect(err).to.include({ retryable: true });
  });

  it('makes other SQLite errors and unknown errors permanent', () => {
    expect(toProviderError(sqliteError('SQLITE_CONSTRAINT_PRIMARYKEY'), 'op')).to.include({ retryable: false });
    expect(toProviderError(sqliteError('SQLITE_CORRUPT'), 'op')).to.include({ retryable: false });
    expect(toProviderError(new TypeError('The database connection is not open'), 'op')).to.include({ retryable: false });
  });

  describe('on PostgreSQL', () => {
    const pgError = (code: string) => Object.assign(new Error(`server said ${code}`), { code, severity: 'ERROR' });
    const retryable = ['40001', '40P01', '55P03', '57014', '57P01', '57P02', '57P03', '53300', '08000', '08006', '08P01'];
    for (const code of retryable) {
      it(`makes SQLSTATE ${code} retryable and names it`, () => {
        const err = toProviderError(pgError(code), 'embedded-predictions.store');
        expect(err).to.be.instanceOf(ProviderError).and.include({ retryable: true });
        expect(err.message).to.include(`(${code})`);
      });
    }

    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']) {
      it(`makes the socket error ${code} retryable`, () => {
        expect(toProviderError(pgError(code), 'op')).to.include({ retryable: true });
      });
    }

    it('makes a connection node-postgres lost mid-query retryable, though it carries no code', () => {
      expect(toProviderError(new Error('Connection terminated unexpectedly'), 'op')).to.include({ retryable: true });
      expect(toProviderError(new Error('timeout exceeded when trying to connect'), 'op')).to.include({ retryable: true });
    });

    it('makes constraint, syntax, type and permission errors permanent', () => {
      for (const code of ['23505', '23503', '42601', '42P01', '22P02', '42501', '53100']) {
        expect(toProviderError(pgError(code), 'op'), code).to.include({ retryable: false });
      }
    });

    it('reads the SQLSTATE of a driver error wrapped in TypeORM QueryFailedError', () => {
      expect(toProviderError(new QueryFailedError('SELECT 1', [], pgError('40P01')), 'op')).to.include({ retryable: true });
      expect(toProviderError(new QueryFailedError('SELECT 1', [], pgError('23505')), 'op')).to.include({ retryable: false });
    });
  });

  it('passes AbortErrors and already classified errors through untouched', () => {
    const abort = new DOMException('aborted', 'AbortError');
    const notFound = new NotFoundError('no such model');
    const provider = new ProviderError('outage', { retryable: true });
    expect(toProviderError(abort, 'op')).to.equal(abort);
    expect(toProviderError(notFound, 'op')).to.equal(notFound);
    expect(toProviderError(provider, 'op')).to.equal(provider);
  });

  describe('against a real lock', () => {
    let temp: TempDatabase;
    beforeEach(async () => {
      temp = await openTempDatabase();
    });
    afterEach(async () => {
      await temp.cleanup();
    });

    it('reports a write blocked past the busy timeout by another connection as retryable', async () => {
      const path = String(temp.db.dataSource.options.database);
      const holder = await openDatabase({ url: `sqlite:${path}`, busyTimeoutMs: 50, logQueries: false });
      const waiter = await openDatabase({ url: `sqlite:${path}`, busyTimeoutMs: 50, logQueries: false });
      try {
        await holder.dataSource.query('BEGIN IMMEDIATE');
        const err = await new SqlClient(waiter).run('INSERT INTO scheduler_state (name, updated_at) VALUES (?, ?)', ['s', 1]).then(
          () => undefined,
          (e: unknown) => toProviderError(e, 'op'),
        );
        expect(err).to.include({ retryable: true });
        await holder.dataSource.query('ROLLBACK');
      } finally {
        await holder.close();
        await waiter.close();
      }
    });
  });
});

describe('embedded throwIfAborted', () => {
  it('throws an AbortError even when the signal was aborted with another reason', () => {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    let thrown: unknown;
    try {
      throwIfAborted(controller.signal);
    } catch (err) {
      thrown = err;
    }
    expect(isAbortError(thrown)).to.equal(true);
    expect((thrown as Error).cause).to.have.property('message', 'shutting down');
  });

  it('does nothing for a signal that has not fired or no signal', () => {
    expect(() => throwIfAborted(new AbortController().signal)).to.not.throw();
    expect(() => throwIfAborted(undefined)).to.not.throw();
  });
});

describe('SqlClient with an operation name', () => {
  it('translates driver errors into ProviderErrors named after the operation', async () => {
    const temp = await openTempDatabase();
    try {
      const err = await new SqlClient(temp.db, 'ledger').query('SELECT * FROM no_such_table', []).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ProviderError);
      expect(err).to.include({ retryable: false });
      expect((err as Error).message).to.match(/^ledger failed \(SQLITE_ERROR\): no such table/);
    } finally {
      await temp.cleanup();
    }
  });
});
