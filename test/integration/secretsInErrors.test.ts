import { expect } from 'chai';
import { runCli } from './helpers/cli.js';
import { testServerUrl } from './helpers/postgres.js';
import { Workspace } from './helpers/workspace.js';

/**
 * Planted secrets against every error path of the CLI that sees them (ARCHITECTURE invariant 8): each
 * run must fail the way it should, naming the key, and no planted secret may appear on stdout or stderr.
 * The secrets hold the characters that broke masking before: `/` (base64), `@`, `:`, `?`, `#`, `%`.
 */
const SLASHED = 'Sl4sh/Pl4nted+b64==';
const SYMBOLS = 'At@Pl4nted:Q?x#y%';
const INTERPOLATED = 'Env/Pl4nted@Secret';
const TOKEN = 'Tok3nPl4ntedSecret';
const PLANTED = [SLASHED, SYMBOLS, INTERPOLATED, TOKEN];

/** The PostgreSQL test server with another user's password and a database that does not exist. */
function missingDatabaseUrl(password: string): string {
  const url = new URL(testServerUrl());
  return `postgres://${url.username || 'postgres'}:${password}@${url.host}/latigo_missing_${process.pid}`;
}

interface ErrorPath {
  readonly what: string;
  readonly yaml: string;
  readonly env?: Record<string, string>;
  readonly exitCode: number;
  /** What stderr must say. */
  readonly says: RegExp;
}

const paths: readonly ErrorPath[] = [
  {
    what: 'a YAML syntax error next to a password',
    exitCode: 2,
    says: /not valid YAML: .* at line \d+, column \d+/,
    yaml: `database:\n  url: postgres://latigo:${SLASHED}@db/latigo\n  extra: "unclosed ${SYMBOLS}\nexecutor:\n  concurrency: 2\n`,
  },
  {
    what: 'port 99999 in database.url',
    exitCode: 2,
    says: /database\.url: expected a port from 1 to 65535/,
    yaml: `database:\n  url: "postgres://latigo:${SLASHED}@127.0.0.1:99999/latigo"\n`,
  },
  {
    what: 'a one-slash typo in database.url',
    exitCode: 2,
    says: /database\.url: expected "\/\/"/,
    yaml: `database:\n  url: "postgres:/latigo:${SYMBOLS}@127.0.0.1/latigo"\n`,
  },
  {
    what: 'a server that refuses the connection',
    exitCode: 1,
    says: /cannot connect to PostgreSQL at postgres:\/\/latigo:\*\*\*@127\.0\.0\.1:1\/latigo/,
    yaml: `database:\n  url: "postgres://latigo:${SLASHED}@127.0.0.1:1/latigo"\n  connect_timeout: 2s\n`,
  },
  {
    what: 'a database that does not exist (password with a slash)',
    exitCode: 1,
    says: /cannot connect to PostgreSQL at .*:\*\*\*@.*database does not exist/,
    yaml: `database:\n  url: "${missingDatabaseUrl(SLASHED)}"\n`,
  },
  {
    what: 'a password from ${ENV} with URL-breaking characters',
    exitCode: 1,
    says: /cannot connect to PostgreSQL|database\.url/,
    yaml: 'database:\n  url: "postgres://latigo:${LATIGO_TEST_DB_PASSWORD}@127.0.0.1:1/latigo"\n  connect_timeout: 2s\n',
    env: { LATIGO_TEST_DB_PASSWORD: INTERPOLATED },
  },
  {
    what: 'a LATIGO_DATABASE__URL override with a bad port',
    exitCode: 2,
    says: /database\.url/,
    yaml: '',
    env: { LATIGO_DATABASE__URL: `postgresql://latigo:${SYMBOLS}@db:65536/latigo` },
  },
  {
    what: 'an invalid provider section holding a token',
    exitCode: 2,
    says: /prediction_storage/,
    yaml: `prediction_storage:\n  type: influx\n  url: "https://user:${TOKEN}@influx.example/"\n  token: ${TOKEN}\n`,
  },
];

describe('planted secrets never appear in an error (CLI, SQLite and PostgreSQL URLs)', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  beforeEach(() => {
    workspace = new Workspace('secrets');
  });
  afterEach(() => {
    workspace.remove();
  });

  for (const path of paths) {
    it(`${path.what}: exit ${path.exitCode}, the cause named, no secret printed`, async () => {
      const config = workspace.writeConfig(path.yaml);
      const result = await runCli(['--config', config, 'migrate'], {
        cwd: workspace.dir,
        ...(path.env ? { env: path.env } : {}),
        timeoutMs: 50_000,
      });
      const output = result.stdout + result.stderr;
      for (const secret of PLANTED) {
        expect(output, `"${secret}" printed by: ${output}`).not.to.contain(secret);
        // Nor a recognisable piece of it (the part before a character that may have split it).
        expect(output, `a piece of "${secret}" printed by: ${output}`).not.to.contain('Pl4nted');
      }
      expect(result.stderr).to.match(path.says);
      expect(result.code, output).to.equal(path.exitCode);
    });
  }
});
