import { expect } from 'chai';
import { toProviderError } from '../../src/persistence/sql/errors.js';
import { SqlClient } from '../../src/persistence/sql/SqlClient.js';
import { openDatabase, type OpenDatabase as Database, type DatabaseOptions } from '../../src/persistence/dataSource.js';
import { ProviderError } from '../../src/runtime/errors.js';
import { useThrowawayPostgres } from './helpers/postgres.js';

describe('openDatabase on PostgreSQL', function () {
  this.timeout(180_000);
  const server = useThrowawayPostgres({ migrate: false });
  let db: Database | undefined;
  const open = async (options: Partial<DatabaseOptions> = {}) => {
    db = await openDatabase({ url: server.url, busyTimeoutMs: 5_000, logQueries: false, ...options });
    return db;
  };
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it('opens a postgres:// URL as the postgres dialect, and a postgresql:// one too', async () => {
    expect((await open()).dialect).to.equal('postgres');
    await db!.close();
    expect((await open({ url: server.url.replace(/^postgres:/, 'postgresql:') })).dialect).to.equal('postgres');
  });

  it('cancels a statement that runs past the statement timeout, as a retryable error', async () => {
    const sql = new SqlClient(await open({ statementTimeoutMs: 200 }));
    const err = await sql.query('SELECT pg_sleep(2)', []).then(
      () => expect.fail('expected a timeout'),
      (e: unknown) => toProviderError(e, 'op'),
    );
    expect(err).to.be.instanceOf(ProviderError).and.include({ retryable: true });
    expect(err.message).to.contain('57014');
  });

  it('opens no more connections than the pool size: more concurrent statements wait their turn', async () => {
    const sql = new SqlClient(await open({ poolSize: 2 }));
    const started = performance.now();
    await Promise.all([1, 2, 3, 4].map(() => sql.query('SELECT pg_sleep(0.25)', [])));
    // Two rounds of two: at least 500 ms. With four connections it would take about 250 ms.
    expect(performance.now() - started).to.be.at.least(490);
  });

  it('rejects a database that does not exist with a permanent error naming it', async () => {
    const missing = new URL(server.url);
    missing.pathname = '/latigo_no_such_database';
    const err = await open({ url: missing.toString() }).then(
      () => expect.fail('expected a connection error'),
      (e: unknown) => e as ProviderError,
    );
    expect(err).to.be.instanceOf(ProviderError).and.include({ retryable: false });
    expect(err.message).to.contain('latigo_no_such_database').and.contain('does not exist');
  });
});
