import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { maskUrl } from '../src/persistence/dataSource.js';

/** The server the PostgreSQL suites use; any database on it serves as the maintenance connection. */
export function benchServerUrl(): string {
  return process.env.LATIGO_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** A database created for one suite run, dropped afterwards (`--keep` leaves it for inspection). */
export interface ThrowawayDatabase {
  readonly name: string;
  /** The server URL with this database in its path. */
  readonly url: string;
  drop(): Promise<void>;
}

/** Runs `suite` on a throwaway database and drops it afterwards, unless `keep`. A drop that fails (the
 *  server went away) is reported on stderr with the name, and never hides the suite's own error. */
export async function withThrowawayDatabase(
  prefix: string,
  keep: boolean,
  suite: (database: ThrowawayDatabase) => Promise<void>,
): Promise<void> {
  const database = await createThrowawayDatabase(prefix);
  try {
    await suite(database);
  } finally {
    if (keep) {
      process.stderr.write(`kept database ${database.name}\n`);
    } else {
      await database.drop().catch((err: Error) => process.stderr.write(`could not drop database ${database.name}: ${err.message}\n`));
    }
  }
}

/** Creates `latigo_bench_<prefix>_<random>` on the bench server; the caller drops it. */
async function createThrowawayDatabase(prefix: string): Promise<ThrowawayDatabase> {
  const serverUrl = benchServerUrl();
  const name = `latigo_bench_${prefix.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // FORCE ends sessions a crashed child may have left behind (PostgreSQL 13+).
    drop: () => onServer(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Flushes dirty pages now, so a checkpoint does not land inside a timed run. Needs superuser or
 *  pg_checkpoint; without it the run simply goes on. */
export async function checkpoint(url: string): Promise<void> {
  await onServer(url, (client) => client.query('CHECKPOINT')).catch(() => undefined);
}

async function onServer<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'latigo-bench' });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cannot connect to the benchmark PostgreSQL server ${maskUrl(url)} (set LATIGO_BENCH_PG_URL): ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
