import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { maskUrl } from '../../../src/persistence/dataSource.js';

const run = promisify(execFile);

/** A PostgreSQL cluster of this machine, as Debian's postgresql-common names it (`15 main`). */
export interface LocalCluster {
  readonly version: string;
  readonly name: string;
  readonly port: number;
}

/**
 * The local cluster serving `url`, for tests that restart the server. Throws, saying why, when the URL's
 * server is not on this machine, pg_ctlcluster is missing, no cluster listens on the URL's port, or the
 * process may not control it (pg_ctlcluster runs as root or as the cluster's owner; the tests assume root).
 */
export async function localClusterServing(url: string): Promise<LocalCluster> {
  const cannot = (why: string) =>
    new Error(`this test restarts the PostgreSQL server at ${maskUrl(url)} with pg_ctlcluster, and cannot: ${why}`);
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1', ''].includes(host))
    throw cannot(`the server is not local (host ${host}); point LATIGO_TEST_PG_URL at a cluster of this machine`);
  if (!existsSync('/usr/bin/pg_ctlcluster')) throw cannot('pg_ctlcluster is not installed (Debian package postgresql-common)');
  if (process.getuid?.() !== 0) throw cannot('the tests do not run as root, and only root (or the cluster owner) may restart it');
  const port = Number(parsed.port || 5432);
  // `15  main    5432 online postgres /var/lib/postgresql/15/main /var/log/...`
  const { stdout } = await run('pg_lsclusters', ['--no-header']);
  const clusters = stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 3)
    .map(([version, name, p]) => ({ version: version!, name: name!, port: Number(p) }));
  const serving = clusters.filter((c) => c.port === port);
  if (serving.length !== 1) throw cannot(`expected one cluster on port ${port} in pg_lsclusters, found ${JSON.stringify(clusters)}`);
  return serving[0]!;
}

/** `pg_ctlcluster restart` (fast shutdown: open sessions are terminated, then the server starts again). */
export async function restartCluster(cluster: LocalCluster): Promise<void> {
  await pgCtlCluster(cluster, 'restart');
}

/** Starts the cluster when it is down, then waits until `url` accepts connections: the clean-up of a test
 *  that restarts it, whatever happened in between. */
export async function ensureClusterRunning(cluster: LocalCluster, url: string): Promise<void> {
  const { stdout } = await run('pg_lsclusters', ['--no-header', cluster.version, cluster.name]);
  if (!/\bonline\b/.test(stdout)) await pgCtlCluster(cluster, 'start');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL cluster ${cluster.version}/${cluster.name} does not accept connections: ${String(err)}`, {
          cause: err,
        });
      await sleep(200);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function pgCtlCluster(cluster: LocalCluster, action: 'start' | 'restart'): Promise<void> {
  try {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.name, action], { timeout: 60_000 });
  } catch (err) {
    const { code, stdout, stderr } = err as { code?: unknown; stdout?: string; stderr?: string };
    const said = [stderr, stdout]
      .map((text) => text?.trim())
      .filter(Boolean)
      .join('; ');
    throw new Error(
      `pg_ctlcluster ${cluster.version} ${cluster.name} ${action} failed (exit code ${String(code)}): ${said || String(err)}`,
      { cause: err },
    );
  }
}
