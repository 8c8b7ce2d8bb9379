import { expect } from 'chai';
import { checkDatabaseUrl, maskUrl, postgresUrlProblem } from '../../../src/runtime/connectionUrl.js';
import { ConfigError } from '../../../src/runtime/errors.js';

/** Every printable ASCII character, the characters generated secrets (base64, URL-safe, passphrases) draw from. */
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

describe('maskUrl', () => {
  it('hides a password made of any printable character, in well-formed and malformed URLs alike', () => {
    const passwords = [
      's3cret/with/slashes==',
      'a@b@c',
      'p:a:s:s',
      'q?x=1&y#frag',
      '%2F%40encoded',
      PRINTABLE.replaceAll(' ', ''),
      PRINTABLE,
    ];
    for (let i = 0; i < PRINTABLE.length; i++) passwords.push(`x${PRINTABLE[i]}y${PRINTABLE.slice(i, i + 7)}z`);
    const shapes = [
      (pw: string) => `postgres://latigo:${pw}@db:5432/latigo`,
      (pw: string) => `postgresql://latigo:${pw}@db/latigo?sslmode=require`,
      (pw: string) => `postgres:/latigo:${pw}@db:5432/latigo`, // one slash: a typo
      (pw: string) => `postgres:latigo:${pw}@db/latigo`,
      (pw: string) => `postgres://latigo:${pw}@db:99999/latigo`,
      (pw: string) => `postgres://latigo:${pw}@`,
      (pw: string) => `latigo:${pw}@db/latigo`, // no scheme at all
      (pw: string) => `postgres://db/latigo?user=latigo&password=${pw.replace(/[&#]/g, '')}`,
    ];
    for (const password of passwords) {
      for (const shape of shapes) {
        const url = shape(password);
        const masked = maskUrl(url);
        const secret = password.replace(/[&#]/g, '');
        // Nothing of the password that could identify it survives (single characters may occur elsewhere).
        if (secret.length >= 4) expect(masked, url).not.to.contain(secret);
        expect(masked, url).to.contain('***');
      }
    }
  });

  it('keeps what identifies the server', () => {
    expect(maskUrl('postgres://latigo:pa/ss@db:5432/latigo')).to.equal('postgres://latigo:***@db:5432/latigo');
    expect(maskUrl('postgres:/latigo:pa/ss@db/latigo')).to.equal('postgres:/latigo:***@db/latigo');
    expect(maskUrl('postgres://db/x?sslmode=require&sslpassword=k&apikey=t#f')).to.equal(
      'postgres://db/x?sslmode=require&sslpassword=***&apikey=***#f',
    );
  });

  it('leaves text without a password as it is', () => {
    for (const text of [
      'postgres://postgres@127.0.0.1:5432/postgres',
      'postgres://db:5432/x',
      'sqlite:data/latigo.sqlite',
      'not a url',
      '',
    ]) {
      expect(maskUrl(text)).to.equal(text);
    }
  });
});

describe('postgresUrlProblem and checkDatabaseUrl', () => {
  it('accepts well-formed URLs, with or without port, user and password', () => {
    for (const url of [
      'postgres://db/x',
      'postgresql://u:p/w@d@db:5432/x',
      'postgres://[::1]:5432/x',
      'postgres://u@db:1/x?sslmode=disable',
      'postgres:///x?host=/run/postgresql',
    ]) {
      expect(postgresUrlProblem(url), url).to.equal(undefined);
    }
  });

  it('refuses a port out of range, a missing host and a missing slash as database.url, never quoting the password', () => {
    const cases: [string, RegExp][] = [
      ['postgres://u:pa/ss@db:99999/x', /port from 1 to 65535.*"99999"/],
      ['postgres://u:pa/ss@db:0/x', /port from 1 to 65535/],
      ['postgres://u:pa/ss@db:54x/x', /port from 1 to 65535/],
      ['postgres://u:pa/ss@/x', /expected a host/],
      ['postgres:/u:pa/ss@db/x', /expected "\/\/" after "postgres:", found 1 slash/],
    ];
    for (const [url, problem] of cases) {
      let thrown: unknown;
      try {
        checkDatabaseUrl(url);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, url).to.be.instanceOf(ConfigError);
      const err = thrown as ConfigError;
      expect(err.path).to.equal('database.url');
      expect(err.message).to.match(problem);
      expect(err.message).not.to.contain('pa/ss');
    }
  });

  it('leaves sqlite URLs alone', () => {
    expect(() => checkDatabaseUrl('sqlite:data/latigo.sqlite')).not.to.throw();
  });
});
