import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { cliInvocation, repoRoot } from './helpers/cli.js';
import { seedFleet } from './helpers/fleet.js';
import { auditWindows } from './helpers/predictions.js';
import { DatabaseReader, waitFor } from './helpers/sqlite.js';
import { Workspace } from './helpers/workspace.js';

const run = promisify(execFile);
const MODELS = 1000; // enough work that executor-1 is seen holding leases mid-cycle, whatever the machine's speed
const INTERVAL_MS = 30 * 60_000;
/** The ports supervisord.conf gives the scheduler and the two executors (their HTTP endpoint)... */
const SHIPPED_PORTS = { scheduler: 9101, 'executor-1': 9102, 'executor-2': 9103 } as const;
/** ...and the api (api.port: /api/v1 with /healthz, /readyz and /metrics). */
const SHIPPED_API_PORT = 8080;

/** A port nothing listens on now (the kernel's choice). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The shipped file with its four fixed ports moved to free ones, so that two test runs (or a latigo already
 * running on 8080) on one machine do not collide; everything else is the file as shipped. Throws, naming the
 * port, if the file no longer sets one of the ports this test knows.
 */
function withPorts(shipped: string, ports: Record<keyof typeof SHIPPED_PORTS | 'api', number>): string {
  const replace = (text: string, from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`supervisord.conf no longer sets ${from}`);
    return text.replace(from, to);
  };
  let conf = shipped;
  for (const [name, port] of Object.entries(SHIPPED_PORTS))
    conf = replace(conf, `LATIGO_HTTP__PORT="${port}"`, `LATIGO_HTTP__PORT="${ports[name as keyof typeof SHIPPED_PORTS]}"`);
  return replace(conf, `LATIGO_API__PORT="${SHIPPED_API_PORT}"`, `LATIGO_API__PORT="${ports.api}"`);
}

describe('supervisord.conf: a scheduler, two executors and the api under the real supervisord', function () {
  this.timeout(180_000);
  let workspace: Workspace;
  let supervisord: ChildProcess | undefined;
  let output = '';
  let reader: DatabaseReader | undefined;
  let conf: string;
  let env: NodeJS.ProcessEnv;
  let ports: Record<keyof typeof SHIPPED_PORTS, number>;
  let apiPort: number;
  const ctl = async (...args: string[]) => (await run('supervisorctl', ['-c', conf, ...args], { env })).stdout;

  beforeEach(async () => {
    workspace = new Workspace('supervisord');
    // The file as shipped (on free ports), in the folder it runs programs in (%(here)s), with `latigo` on PATH.
    conf = join(workspace.dir, 'supervisord.conf');
    ports = { scheduler: await freePort(), 'executor-1': await freePort(), 'executor-2': await freePort() };
    apiPort = await freePort();
    writeFileSync(conf, withPorts(readFileSync(join(repoRoot, 'supervisord.conf'), 'utf8'), { ...ports, api: apiPort }));
    mkdirSync(join(workspace.dir, 'run'));
    const bin = join(workspace.dir, 'bin');
    mkdirSync(bin);
    const { command, args } = cliInvocation();
    writeFileSync(join(bin, 'latigo'), `#!/bin/sh\nexec ${[command, ...args].map((a) => `'${a}'`).join(' ')} "$@"\n`);
    chmodSync(join(bin, 'latigo'), 0o755);
    env = { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: workspace.dir };
  });

  afterEach(async () => {
    if (supervisord && supervisord.exitCode === null) {
      await ctl('shutdown').catch(() => {});
      supervisord.kill('SIGKILL');
    }
    reader?.close();
    workspace.remove();
  });

  it('runs the four programs through a cycle, restarts an executor killed with -9 without losing or repeating a window, and stops gracefully', async () => {
    // Data around now: the scheduler's due windows (ticks every 30 min, an hour of catch-up) and the next
    // tick's window, should the test cross one, all have sensor data.
    const lastTick = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
    await seedFleet(workspace.databasePath, { models: MODELS, tagsPerModel: 4, startMs: lastTick - 2.5 * 3_600_000 });
    writeFileSync(
      join(workspace.dir, 'local_config.yaml'),
      yaml.dump(
        workspace.testConfig({
          logging: { level: 'info', format: 'json' },
          scheduler: { start_time: '2020-01-01T00:00:00Z', interval: '30m', delay: 0, catch_up_horizon: '1h', poll_interval: '1s' },
          executor: { concurrency: 32 },
        }),
      ),
    );

    // Through a shell pipe: the programs log to /dev/stdout, which cannot be opened when it is a socket (as
    // Node's stdio pipes are); in a container or a terminal it is a pipe or a tty. pipefail: the exit status is supervisord's.
    supervisord = spawn('bash', ['-c', 'set -o pipefail; /usr/bin/supervisord -c "$0" 2>&1 | cat', conf], {
      cwd: workspace.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const daemon = supervisord;
    daemon.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    daemon.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
    const tail = () => output.slice(-4000);

    await waitFor(
      () =>
        /success: executor-2 entered RUNNING state/.test(output) &&
        /success: executor-1 entered RUNNING state/.test(output) &&
        /success: scheduler entered RUNNING state/.test(output) &&
        /success: api entered RUNNING state/.test(output),
      { timeoutMs: 120_000, describe: () => `the four programs to run\n${tail()}` },
    );
    expect(await ctl('status'))
      .to.match(/executor-1\s+RUNNING/)
      .and.to.match(/executor-2\s+RUNNING/)
      .and.to.match(/scheduler\s+RUNNING/)
      .and.to.match(/api\s+RUNNING/);

    // The api answers its probes and its docs on the conf's port, on loopback without a token.
    const api = `http://127.0.0.1:${apiPort}`;
    await waitFor(
      async () =>
        fetch(`${api}/healthz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      { timeoutMs: 120_000, intervalMs: 200, describe: () => `api /healthz on ${apiPort}\n${tail()}` },
    );
    expect(output).to.contain(`API and docs at http://127.0.0.1:${apiPort}/api/docs`);
    expect((await fetch(`${api}/readyz`)).status, 'api /readyz').to.equal(200);
    const openapi = (await (await fetch(`${api}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(openapi.paths).to.have.property('/api/v1/models');
    expect(await (await fetch(`${api}/metrics`)).text(), 'api /metrics').to.contain('role="api"');

    reader = new DatabaseReader(workspace.databasePath);
    const db = reader;
    const held = () => db.count(`SELECT COUNT(*) FROM queue_message WHERE lease_owner = 'executor-1' AND dead_at IS NULL`);
    await waitFor(() => held() >= 5, {
      timeoutMs: 120_000,
      intervalMs: 5,
      describe: () => `executor-1 to hold leases (${held()})\n${tail()}`,
    });
    const victim = Number((await ctl('pid', 'executor-1')).trim());
    process.kill(victim, 'SIGKILL');

    // supervisord notices, says so, and starts a new executor-1.
    await waitFor(() => /exited: executor-1 \(terminated by SIGKILL; not expected\)/.test(output), { timeoutMs: 15_000, describe: tail });
    await waitFor(
      async () => {
        const pid = Number((await ctl('pid', 'executor-1')).trim());
        return pid > 0 && pid !== victim && /executor-1\s+RUNNING/.test(await ctl('status', 'executor-1'));
      },
      { timeoutMs: 120_000, intervalMs: 250, describe: () => `executor-1 to be restarted\n${tail()}` },
    );

    // The cycle completes: every window the scheduler recorded succeeded, stored exactly once.
    const unfinished = () =>
      db.count(`SELECT COUNT(*) FROM prediction_window WHERE state <> 'succeeded'`) + db.count('SELECT COUNT(*) FROM queue_message');
    await waitFor(() => unfinished() === 0, {
      timeoutMs: 60_000,
      describe: () => `the cycle to complete: ${JSON.stringify(db.windowStates())}\n${tail()}`,
    });
    const windows = auditWindows(db);
    expect(windows.length, 'two windows per model at least').to.be.at.least(2 * MODELS);
    const rowsPerWindow = INTERVAL_MS / 60_000;
    const off = windows.filter(
      (w) => w.state !== 'succeeded' || w.succeeded_runs !== 1 || w.rows_written !== rowsPerWindow || w.stored !== rowsPerWindow,
    );
    expect(off, 'windows not stored exactly once').to.deep.equal([]);
    expect(db.count('SELECT COUNT(*) FROM prediction')).to.equal(windows.length * rowsPerWindow);
    expect(db.count(`SELECT COUNT(DISTINCT executor) FROM task_run WHERE status = 'succeeded'`), 'both executors worked').to.equal(2);

    // Each program serves its probes on the port the conf gives it.
    // (The restarted executor-1 may still be starting: probes are retried, as supervisord-based monitoring would.)
    const readyz = (port: number) =>
      fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
    for (const [name, port] of Object.entries(ports)) {
      await waitFor(async () => (await readyz(port)) === 200, {
        timeoutMs: 120_000,
        intervalMs: 200,
        describe: () => `${name} /readyz on ${port}\n${tail()}`,
      });
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), `${name} /metrics`).to.contain(
        `role="${name === 'scheduler' ? 'scheduler' : 'executor'}"`,
      );
    }

    // `stop all`: SIGTERM, each drains and exits 0 well within stopwaitsecs (nothing is killed).
    const stopped = await ctl('stop', 'all');
    expect(stopped)
      .to.match(/scheduler: stopped/)
      .and.to.match(/executor-1: stopped/)
      .and.to.match(/executor-2: stopped/)
      .and.to.match(/api: stopped/);
    for (const name of [...Object.keys(ports), 'api']) expect(output, name).to.match(new RegExp(`stopped: ${name} \\(exit status 0\\)`));
    expect(output).not.to.match(/killing '?(scheduler|executor-\d|api)'? \(\d+\) with SIGKILL/);
    expect(output).to.contain('"msg":"scheduler stopped"');
    expect(output).to.contain('"msg":"api stopped"');
    expect(output.match(/"process":"executor-\d".*"msg":"executor stopped"/g)?.length, 'executors that logged their stop').to.be.at.least(
      2,
    );

    process.kill(Number(readFileSync(join(workspace.dir, 'run/supervisord.pid'), 'utf8').trim()), 'SIGTERM');
    expect(await exited).to.equal(0);
  });
});
