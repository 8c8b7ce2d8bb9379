import { expect } from 'chai';
import { databaseSchema } from '../../../src/config/sections.js';
import { createDataSource, maskUrl } from '../../../src/persistence/dataSource.js';
import { connectionError, isPostgresUrl } from '../../../src/persistence/postgres.js';
import { ConfigError, describeError } from '../../../src/runtime/errors.js';

const masked = 'postgres://latigo:***@db:5432/latigo';
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('maskUrl', () => {
  it('hides the password of a URL and keeps the rest', () => {
    expect(maskUrl('postgres://latigo:s3cret@db:5432/latigo')).to.equal(masked);
  });

  it('hides a password containing an unencoded @ and a password query parameter', () => {
    expect(maskUrl('postgresql://u:p@ss@db/x')).to.equal('postgresql://u:***@db/x');
    expect(maskUrl('postgres://db/x?sslmode=require&password=s3cret')).to.equal('postgres://db/x?sslmode=require&password=***');
  });

  it('leaves URLs without a password as they are', () => {
    for (const url of ['postgres://postgres@127.0.0.1:5432/postgres', 'postgres://db:5432/x', 'sqlite:data/latigo.sqlite']) {
      expect(maskUrl(url)).to.equal(url);
    }
  });
});

describe('createDataSource for PostgreSQL', () => {
  type PoolOptions = { type: string; poolSize: number; extra: Record<string, unknown>; connectTimeoutMS: number };

  it('accepts both URL schemes and configures the pool', () => {
    expect(isPostgresUrl('postgres://db/x') && isPostgresUrl('postgresql://db/x') && isPostgresUrl('POSTGRES://db/x')).to.equal(true);
    const options = createDataSource({ url: 'postgresql://u:p@db/x', poolSize: 3, statementTimeoutMs: 5_000, connectTimeoutMs: 2_000 })
      .options as PoolOptions;
    expect(options).to.include({ type: 'postgres', poolSize: 3, connectTimeoutMS: 2_000 });
    expect(options.extra).to.include({ connectionString: 'postgresql://u:p@db/x', statement_timeout: 5_000 });
  });

  it('takes the database section defaults for the keys left out', () => {
    const options = createDataSource({ url: 'postgres://db/x' }).options as PoolOptions;
    const defaults = databaseSchema.parse({ url: 'postgres://db/x' });
    expect(defaults).to.include({ poolSize: 10, statementTimeoutMs: 60_000, connectTimeoutMs: 10_000 });
    expect(options).to.include({ poolSize: defaults.poolSize, connectTimeoutMS: defaults.connectTimeoutMs });
    expect(options.extra).to.include({ statement_timeout: defaults.statementTimeoutMs });
  });

  it('parses int8 as a number and leaves other types to node-postgres', () => {
    const { extra } = createDataSource({ url: 'postgres://db/x', busyTimeoutMs: 1, logQueries: false }).options as {
      extra: { types: { getTypeParser(oid: number, format?: string): (text: string) => unknown } };
    };
    expect(extra.types.getTypeParser(20, 'text')('1767225600000')).to.equal(1_767_225_600_000);
    expect(extra.types.getTypeParser(16, 'text')('t')).to.equal(true); // bool
    expect(extra.types.getTypeParser(1700, 'text')('1.50')).to.equal('1.50'); // numeric stays exact text
  });

  it('turns off the statement timeout at 0', () => {
    const { extra } = createDataSource({ url: 'postgres://db/x', busyTimeoutMs: 1, logQueries: false, statementTimeoutMs: 0 }).options as {
      extra: Record<string, unknown>;
    };
    expect(extra).to.not.have.property('statement_timeout');
  });

  it('names both accepted forms when the URL is neither, with the password masked', () => {
    expect(() => createDataSource({ url: 'mysql://u:pw@db/x', busyTimeoutMs: 1, logQueries: false })).to.throw(
      ConfigError,
      /sqlite:<path>.*postgres:\/\/.*"mysql:\/\/u:\*\*\*@db\/x"/,
    );
  });
});

describe('connectionError', () => {
  const cases: [string, Error, boolean, RegExp][] = [
    ['a refused connection', withCode('connect ECONNREFUSED 10.0.0.1:5432', 'ECONNREFUSED'), true, /connection refused/],
    ['a connect timeout', new Error('Connection terminated due to connection timeout'), true, /timed out/],
    ['a server starting up', withCode('the database system is starting up', '57P03'), true, /starting up/],
    ['a full server', withCode('sorry, too many clients already', '53300'), true, /no free connection slots/],
    [
      'a wrong password',
      withCode('password authentication failed for user "latigo"', '28P01'),
      false,
      /authentication failed: check the user and password/,
    ],
    ['a missing password', new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), false, /asks for a password/],
    ['a missing database', withCode('database "latigo" does not exist', '3D000'), false, /database does not exist/],
    ['an unknown host', withCode('getaddrinfo ENOTFOUND db', 'ENOTFOUND'), false, /unknown host/],
  ];
  for (const [what, cause, retryable, hint] of cases) {
    it(`describes ${what} in one line with the masked URL (retryable: ${retryable})`, () => {
      const err = connectionError(cause, masked);
      expect(err).to.include({ retryable, cause });
      expect(err.message).to.match(hint).and.contain(`cannot connect to PostgreSQL at ${masked}`);
      expect(describeError(err)).to.not.contain('\n');
    });
  }

  it('unwraps the AggregateError Node reports for a host with several addresses', () => {
    const first = withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED');
    const err = connectionError(new AggregateError([first, withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')], ''), masked);
    expect(err).to.include({ retryable: true, cause: first });
    expect(describeError(err)).to.match(/connection refused.*: connect ECONNREFUSED ::1:5432$/);
  });
});
