import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';

/**
 * Mocha root hook: makes sure the services the integration tests use are there before any test runs.
 * PostgreSQL: the server at LATIGO_TEST_PG_URL (default: the local cluster on 127.0.0.1:5432). When the
 * default local server is down and this runs as root (as on CI), the installed cluster is started with
 * pg_ctlcluster. Anything that cannot be provided fails the run here, saying what is missing.
 */
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

function startLocalCluster(): string {
  if (process.getuid?.() !== 0) return 'not running as root, so the local cluster was not started';
  if (!existsSync('/etc/postgresql')) return 'PostgreSQL is not installed (Debian package postgresql)';
  const version = readdirSync('/etc/postgresql').sort().at(-1);
  if (!version) return 'no PostgreSQL cluster under /etc/postgresql';
  try {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'pipe', timeout: 60_000 });
    return `started cluster ${version}/main`;
  } catch (err) {
    return `pg_ctlcluster ${version} main start failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`;
  }
}

/**
 * Makes sure `binaries` exist, installing the Debian package that ships them when they are missing and this
 * runs as root (as on CI); otherwise fails saying what is missing and which tests need it.
 */
function ensureDebianPackage(pkg: string, binaries: readonly string[], neededBy: string): void {
  if (binaries.every((b) => existsSync(b))) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${neededBy} need ${binaries.join(' and ')} (Debian package ${pkg}); not running as root, so it was not installed`);
  }
  const aptGet = (...args: string[]) =>
    execFileSync('apt-get', args, { stdio: 'pipe', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    try {
      aptGet('install', '-y', '--no-install-recommends', pkg);
    } catch {
      aptGet('update'); // a fresh image has no package lists yet
      aptGet('install', '-y', '--no-install-recommends', pkg);
    }
  } catch (err) {
    throw new Error(`apt-get install ${pkg} failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`, {
      cause: err,
    });
  }
  const missing = binaries.filter((b) => !existsSync(b));
  if (missing.length > 0) throw new Error(`apt-get installed ${pkg}, but ${missing.join(' and ')} is still missing`);
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(600_000); // apt-get update and two installs on a fresh CI image
    // The influx tests start their own influxd (test/servers/influxd.ts); the supervisord test runs the real
    // supervisord and supervisorctl with supervisord.conf.
    ensureDebianPackage('influxdb', [process.env.LATIGO_TEST_INFLUXD || '/usr/bin/influxd'], 'the InfluxDB integration tests');
    ensureDebianPackage('supervisor', ['/usr/bin/supervisord', '/usr/bin/supervisorctl'], 'the supervisord integration test');
    // The web page's browser tests drive Debian's Chromium with playwright-core (which downloads no browser).
    ensureDebianPackage(
      'chromium',
      [process.env.LATIGO_TEST_CHROMIUM || '/usr/bin/chromium'],
      'the web page browser tests (webPage*.test.ts)',
    );
    const url = process.env.LATIGO_TEST_PG_URL || DEFAULT_URL;
    let problem = await reachable(url);
    if (problem && !process.env.LATIGO_TEST_PG_URL) {
      const attempt = startLocalCluster();
      problem = (await reachable(url)) === undefined ? undefined : `${problem}; ${attempt}`;
    }
    if (problem) {
      throw new Error(
        `the integration tests need PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} (${problem}). ` +
          'Start a server there, or set LATIGO_TEST_PG_URL to a role that may CREATE and DROP DATABASE.',
      );
    }
  },
};
