import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../servers/influxd.js';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own, made with the installed binaries (Debian's postgresql package) on a
 * throwaway data directory and a free port, for a test that restarts its server: restarting the machine's
 * shared server would cut off every other user of it, a second `npm test` running beside this one included.
 * PostgreSQL refuses to run as root, so as root (CI) the server runs as the `postgres` user.
 */
export class PrivateCluster {
  private constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  /** initdb, then start; fails saying what is missing when the binaries or the `postgres` user are not there. */
  static async start(): Promise<PrivateCluster> {
    const bin = newestServerBin();
    const dataDir = mkdtempSync(join(tmpdir(), 'latigo-pg-'));
    const cluster = new PrivateCluster(bin, dataDir, await freePort());
    try {
      if (process.getuid?.() === 0) {
        const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
          throw new Error(
            'this test runs a PostgreSQL server of its own, as the user postgres when run as root, and there is no such user',
          );
        });
        const { stdout: group } = await run('id', ['-g', 'postgres']);
        chownSync(dataDir, Number(stdout.trim()), Number(group.trim()));
      }
      await cluster.asServerUser('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
      await cluster.pgCtl('start');
      return cluster;
    } catch (err) {
      await cluster.remove();
      throw err;
    }
  }

  /** The server's `postgres` database, over TCP. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** A URL of database `name` on this server. */
  databaseUrl(name: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${name}`;
  }

  /** Creates database `name` and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    return this.databaseUrl(name);
  }

  /** `pg_ctl restart -m fast`: open sessions are terminated, then the server starts again; returns once it accepts connections. */
  async restart(): Promise<void> {
    await this.pgCtl('restart');
  }

  /** Starts the server when it is down (the clean-up of a test that restarts it, whatever happened in between). */
  async ensureRunning(): Promise<void> {
    const status = await this.asServerUser('pg_ctl', ['status', '-D', this.dataDir]).then(
      () => 'running',
      () => 'stopped',
    );
    if (status === 'stopped') await this.pgCtl('start');
  }

  /** Stops the server at once and deletes its data directory. */
  async remove(): Promise<void> {
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) {
      await this.asServerUser('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w']).catch(() => undefined);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async pgCtl(action: 'start' | 'restart'): Promise<void> {
    // Its socket in the data directory: nothing shared with the machine's server; fsync off: a test's data.
    const options = `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    await this.asServerUser('pg_ctl', [
      action,
      '-D',
      this.dataDir,
      '-l',
      join(this.dataDir, 'server.log'),
      '-m',
      'fast',
      '-w',
      '-t',
      '120',
      '-o',
      options,
    ]);
  }

  private async asServerUser(program: string, args: string[]): Promise<void> {
    const command = join(this.bin, program);
    const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    try {
      await run(file, argv, { timeout: 180_000 });
    } catch (err) {
      const { code, stdout, stderr } = err as { code?: unknown; stdout?: string; stderr?: string };
      const said = [stderr, stdout]
        .map((text) => text?.trim())
        .filter(Boolean)
        .join('; ');
      throw new Error(`${program} ${args[0] ?? ''} failed (exit code ${String(code)}): ${said || String(err)}`, { cause: err });
    }
  }
}

/** /usr/lib/postgresql/<newest version>/bin, where Debian installs the server's programs. */
function newestServerBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0)
    throw new Error(`this test runs a PostgreSQL server of its own and found no initdb under ${root} (Debian package postgresql)`);
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}
