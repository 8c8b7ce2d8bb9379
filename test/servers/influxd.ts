import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where the Debian package `influxdb` puts the server (test/setup/provision.ts installs it when missing). */
export const INFLUXD = process.env.LATIGO_TEST_INFLUXD || '/usr/bin/influxd';

export interface InfluxdOptions {
  /** `[http] max-row-limit`: non-chunked answers are cut at this many rows (0: no limit, the default). */
  maxRowLimit?: number;
}

/**
 * A real InfluxDB 1.x server for tests and benchmarks: its own data directory in the temp folder, free
 * loopback ports (HTTP and the backup RPC port, so parallel servers never collide), reporting off.
 * `stop()` and `start()` again keep the data (for outage tests); `remove()` stops it and deletes everything.
 */
export class Influxd {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly dir: string,
    readonly httpPort: number,
    private readonly rpcPort: number,
    private readonly options: InfluxdOptions,
  ) {}

  static async launch(options: InfluxdOptions = {}): Promise<Influxd> {
    if (!existsSync(INFLUXD))
      throw new Error(`${INFLUXD} is missing: install the Debian package influxdb (test/setup/provision.ts does so as root)`);
    const server = new Influxd(mkdtempSync(join(tmpdir(), 'latigo-influxd-')), await freePort(), await freePort(), options);
    try {
      await server.start();
    } catch (err) {
      await server.remove();
      throw err;
    }
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Starts the server (again) and resolves once /ping answers 204. */
  async start(): Promise<void> {
    if (this.child) return;
    const env = {
      ...process.env,
      INFLUXDB_META_DIR: join(this.dir, 'meta'),
      INFLUXDB_DATA_DIR: join(this.dir, 'data'),
      INFLUXDB_DATA_WAL_DIR: join(this.dir, 'wal'),
      INFLUXDB_HTTP_BIND_ADDRESS: `127.0.0.1:${this.httpPort}`,
      INFLUXDB_BIND_ADDRESS: `127.0.0.1:${this.rpcPort}`,
      INFLUXDB_REPORTING_DISABLED: 'true',
      INFLUXDB_MONITOR_STORE_ENABLED: 'false',
      INFLUXDB_HTTP_LOG_ENABLED: 'false',
      INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false',
      INFLUXDB_LOGGING_LEVEL: 'warn',
      INFLUXDB_HTTP_MAX_ROW_LIMIT: String(this.options.maxRowLimit ?? 0),
      // Many test databases and a benchmark's tens of thousands of series: no cardinality limits.
      INFLUXDB_DATA_MAX_SERIES_PER_DATABASE: '0',
      INFLUXDB_DATA_MAX_VALUES_PER_TAG: '0',
    };
    const child = spawn(INFLUXD, ['run', '-config', '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if (await this.ping()) return;
      await sleep(100);
    }
    await this.stop();
    throw new Error(`influxd did not answer /ping on ${this.url} within 30 s:\n${this.output}`);
  }

  /** Stops the server (SIGTERM, then SIGKILL after 10 s); the data stays. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async ping(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1_000) })).status === 204;
    } catch {
      return false;
    }
  }

  /** Runs InfluxQL (POST) and returns the parsed answer; throws on an HTTP or statement error. */
  async query(q: string, db?: string): Promise<InfluxQueryAnswer> {
    const params = new URLSearchParams({ epoch: 'ms', ...(db === undefined ? {} : { db }) });
    const response = await fetch(`${this.url}/query?${params.toString()}`, { method: 'POST', body: new URLSearchParams({ q }) });
    const answer = (await response.json()) as InfluxQueryAnswer & { error?: string };
    const failed = answer.error ?? answer.results?.find((r) => r.error)?.error;
    if (response.status !== 200 || failed) throw new Error(`influxd query failed (${response.status}): ${failed}\n${q}`);
    return answer;
  }

  /** Writes line protocol (precision ms) with plain HTTP; throws unless the server stored every line. */
  async write(db: string, lines: readonly string[]): Promise<void> {
    const response = await fetch(`${this.url}/write?db=${encodeURIComponent(db)}&precision=ms`, { method: 'POST', body: lines.join('\n') });
    if (response.status !== 204) throw new Error(`influxd write failed (${response.status}): ${await response.text()}`);
  }

  async createDatabase(name: string): Promise<void> {
    await this.query(`CREATE DATABASE "${name}"`);
  }

  async dropDatabase(name: string): Promise<void> {
    await this.query(`DROP DATABASE "${name}"`);
  }
}

export interface InfluxQueryAnswer {
  results?: {
    statement_id?: number;
    error?: string;
    series?: { name: string; tags?: Record<string, string>; columns: string[]; values?: unknown[][] }[];
  }[];
}

/** A port nothing listens on right now (the kernel's choice for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let databases = 0;
/** A database name unique within this process, e.g. for one test's data. */
export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${process.pid}_${++databases}`;
}
